"""Retry layer: repeats an idempotent call's failed attempts, within a budget and the
call's deadline.

It drives the attempts: before each it checks that the request still has time, and after
a transient failure (a connection error, a status in ``retry_statuses``) it waits the
upstream's ``Retry-After`` or a full-jitter backoff, unless the wait would pass the
deadline or the provider's retry budget is used up. Writes are sent once unless flagged
idempotent (``Exchange.retryable``).
"""

from __future__ import annotations

import logging

from ..errors import UpstreamTimeout
from ..resilience import RetryBudget, full_jitter
from .exchange import AttemptFailed, Exchange
from .layer import Layer, StackContext
from .wire import Answer, Attempt, Hop

log = logging.getLogger("switchboard.upstream")


class RetryTransport(Layer):
    def __init__(self, inner: Hop, context: StackContext) -> None:
        super().__init__(inner)
        policy = context.policy
        self._context = context
        self._max_attempts = policy.max_attempts
        self._base = policy.backoff_base_seconds
        self._cap = policy.backoff_max_seconds
        self._budget = RetryBudget(
            ratio=policy.retry_budget_ratio,
            min_retries=policy.retry_budget_min_retries,
            window_seconds=policy.retry_budget_window_seconds,
            clock=context.clock,
        )

    async def send(self, attempt: Attempt) -> Answer:
        exchange = attempt.exchange
        self._budget.record_call()
        tries = 0
        while True:
            tries += 1
            if exchange.deadline.remaining() <= 0:
                # The request's own time ran out: no verdict on the provider.
                raise AttemptFailed(
                    UpstreamTimeout(self._context.provider, "request deadline exceeded"),
                    transient=False,
                    judged=False,
                )
            try:
                return await self.inner.send(attempt)
            except AttemptFailed as failed:
                delay = self._delay(exchange, failed, tries)
                if delay is None:
                    raise
                self._context.stats.retries += 1
                log.info(
                    "upstream retry",
                    extra={
                        "provider": self._context.provider.value,
                        "method": attempt.method,
                        "upstream_path": exchange.path,
                        "attempt": tries + 1,
                        "reason": failed.error.code.value,
                        "upstream_status": failed.error.status,
                        "delay_ms": round(delay * 1000, 1),
                    },
                )
                await self._context.sleep(delay)

    def _delay(self, exchange: Exchange, failed: AttemptFailed, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        if not (exchange.retryable and failed.transient and attempt < self._max_attempts):
            return None
        if failed.retry_after is not None:
            delay = failed.retry_after
        else:
            delay = full_jitter(attempt, self._base, self._cap, self._context.rng)
        why = None
        if delay >= exchange.deadline.remaining():
            why = "the wait would pass the request deadline"
        elif not self._budget.try_spend():
            why = "the retry budget is used up"
        if why is None:
            return delay
        self._context.stats.retries_denied += 1
        log.info(
            "upstream retry skipped: %s",
            why,
            extra={
                "provider": self._context.provider.value,
                "upstream_path": exchange.path,
                "reason": failed.error.code.value,
            },
        )
        return None


def retry_layer(inner: Hop, context: StackContext) -> RetryTransport:
    return RetryTransport(inner, context)
