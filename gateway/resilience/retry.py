"""Retry timing: exponential backoff with full jitter, ``Retry-After``, a retry budget."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from .window import Clock, SlidingCounter


def full_jitter(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1 for the first retry).

    Uniform in ``[0, min(cap, base * 2 ** (attempt - 1))]``: the "full jitter" of the AWS
    architecture blog, which spreads clients that failed together so they do not retry
    together.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return (rng or random).uniform(0, ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP-date; None if absent
    or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryBudget:
    """Caps retries to a fraction of the calls, so retries cannot multiply an outage.

    Within any ``window_seconds`` at most ``min_retries + ratio * calls`` retries are
    made (Finagle's retry budget). With the defaults (10 + 20 %) a provider that fails
    every call sees at most 1.2x the load plus a handful, never 3x.
    """

    def __init__(
        self,
        *,
        ratio: float = 0.2,
        min_retries: int = 10,
        window_seconds: float = 10.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.ratio = ratio
        self.min_retries = min_retries
        self._calls = SlidingCounter(window_seconds, clock=clock)
        self._retries = SlidingCounter(window_seconds, clock=clock)

    def record_call(self) -> None:
        self._calls.add()

    def try_spend(self) -> bool:
        """Take one retry from the budget; False when it is used up."""
        if self._retries.total() + 1 > self.min_retries + self.ratio * self._calls.total():
            return False
        self._retries.add()
        return True
