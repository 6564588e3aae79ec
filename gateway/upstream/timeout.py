"""Attempt-timeout layer: bounds one attempt (the wait for a connection slot, sending,
reading the whole body) by ``attempt_timeout_seconds`` and by the call's deadline.

A timeout is not retried (a slow upstream is not asked twice). It counts against the
provider only if the attempt had gone out: running out of time while queued behind the
concurrency cap says nothing about the provider.
"""

from __future__ import annotations

from ..errors import UpstreamTimeout
from ..model import ProviderName
from .exchange import AttemptFailed
from .layer import Layer, StackContext
from .wire import Answer, Attempt, Hop


class AttemptTimeoutTransport(Layer):
    def __init__(self, inner: Hop, seconds: float, provider: ProviderName) -> None:
        super().__init__(inner)
        self._seconds = seconds
        self._provider = provider

    async def send(self, attempt: Attempt) -> Answer:
        exchange = attempt.exchange
        exchange.sent = False  # set below this layer once the attempt goes out
        try:
            async with exchange.deadline.timeout(self._seconds):
                return await self.inner.send(attempt)
        except TimeoutError:
            sent = exchange.sent
            message = "upstream call timed out" if sent else "no free upstream connection in time"
            raise AttemptFailed(
                UpstreamTimeout(self._provider, message), transient=False, judged=sent
            ) from None


def attempt_timeout_layer(inner: Hop, context: StackContext) -> AttemptTimeoutTransport:
    return AttemptTimeoutTransport(inner, context.policy.attempt_timeout_seconds, context.provider)
