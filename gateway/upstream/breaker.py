"""Breaker layer: fails an attempt fast while the provider's circuit breaker is open, and
tells the breaker what each attempt that went through said about the provider's health.

The breaker itself (:class:`~gateway.resilience.CircuitBreaker`) belongs to the client,
so ``/readyz`` and ``/metrics`` read its state; without one (``breaker_enabled =
false``) the layer is left out of the stack.
"""

from __future__ import annotations

from ..resilience import CircuitBreaker, CircuitOpen
from .exchange import AttemptFailed
from .layer import ClientStats, Layer, StackContext
from .wire import Answer, Attempt, Hop


class BreakerTransport(Layer):
    def __init__(
        self,
        inner: Hop,
        breaker: CircuitBreaker,
        context: StackContext,
    ) -> None:
        super().__init__(inner)
        self._breaker = breaker
        self._stats: ClientStats = context.stats
        self._provider = context.provider

    async def send(self, attempt: Attempt) -> Answer:
        ticket = self._breaker.acquire()
        if ticket is None:
            self._stats.short_circuited += 1
            raise AttemptFailed(
                CircuitOpen(self._provider, "circuit breaker open, failing fast"), transient=False
            )
        healthy: bool | None = None  # no verdict unless the attempt gives one (cancelled)
        try:
            response = await self.inner.send(attempt)
            healthy = True
            return response
        except AttemptFailed as failed:
            healthy = failed.healthy
            raise
        finally:
            self._breaker.record(ticket, healthy)


def breaker_layer(inner: Hop, context: StackContext) -> Hop:
    if context.breaker is None:
        return inner
    return BreakerTransport(inner, context.breaker, context)
