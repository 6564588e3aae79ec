"""A circuit breaker per provider: stop calling an upstream that keeps failing.

CLOSED: calls pass, and each attempt's outcome goes into a sliding window. When at least
``min_calls`` attempts in the window failed at ``failure_rate`` or more, or the last
``consecutive_failures`` attempts all failed (within the window, timeouts included: an
upstream that hangs produces one attempt per attempt timeout and would never reach
``min_calls``), the breaker OPENs: calls fail fast, without touching the upstream, for
``cooldown_seconds``. Then it is HALF_OPEN: up to ``half_open_probes`` calls go through
as probes; a probe that succeeds CLOSEs it (with a fresh window), one that fails OPENs
it again.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import UpstreamUnavailable
from .window import Clock, SlidingCounter


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpen(UpstreamUnavailable):
    """Failed fast: the provider's breaker is open (code ``UPSTREAM_UNAVAILABLE``)."""


@dataclass(frozen=True, slots=True)
class Ticket:
    """Permission for one attempt; hand it back to :meth:`CircuitBreaker.record`."""

    probe: bool
    generation: int


class CircuitBreaker:
    def __init__(
        self,
        *,
        window_seconds: float = 30.0,
        min_calls: int = 10,
        failure_rate: float = 0.5,
        cooldown_seconds: float = 10.0,
        half_open_probes: int = 1,
        consecutive_failures: int = 0,
        clock: Clock = time.monotonic,
        on_change: Callable[[BreakerState, BreakerState], None] | None = None,
    ) -> None:
        self.min_calls = min_calls
        self.failure_rate = failure_rate
        self.cooldown_seconds = cooldown_seconds
        self.half_open_probes = half_open_probes
        self.consecutive_failures = consecutive_failures
        self._window = window_seconds
        self._clock = clock
        self._on_change = on_change
        self._calls = SlidingCounter(window_seconds, clock=clock)
        self._failures = SlidingCounter(window_seconds, clock=clock)
        self._state = BreakerState.CLOSED
        self._opened_at = 0.0
        self._probes = 0
        self._streak = 0  # failed attempts in a row, the latest at ``_streak_at``
        self._streak_at = 0.0
        # Bumped on every transition: outcomes of attempts let in under an older state
        # are ignored, so a slow call from before the breaker opened cannot close it.
        self._generation = 0

    @property
    def state(self) -> BreakerState:
        if (
            self._state is BreakerState.OPEN
            and self._clock() - self._opened_at >= self.cooldown_seconds
        ):
            self._move(BreakerState.HALF_OPEN)
        return self._state

    def failure_counts(self) -> tuple[int, int]:
        """(failed attempts, attempts) in the current window."""
        return self._failures.total(), self._calls.total()

    def acquire(self) -> Ticket | None:
        """A ticket for one attempt, or ``None`` when the call must fail fast."""
        state = self.state
        if state is BreakerState.CLOSED:
            return Ticket(probe=False, generation=self._generation)
        if state is BreakerState.HALF_OPEN and self._probes < self.half_open_probes:
            self._probes += 1
            return Ticket(probe=True, generation=self._generation)
        return None

    def record(self, ticket: Ticket, ok: bool | None) -> None:
        """The outcome of an attempt: True success, False failure, None no verdict
        (cancelled, or an answer that says nothing about the provider's health)."""
        if ticket.generation != self._generation:
            return
        if ticket.probe:
            self._probes -= 1
            if ok is True:
                self._move(BreakerState.CLOSED)
            elif ok is False:
                self._move(BreakerState.OPEN)
            return
        if ok is None or self._state is not BreakerState.CLOSED:
            return
        self._calls.add()
        if ok:
            self._streak = 0
            return
        self._failures.add()
        now = self._clock()
        self._streak = 1 if now - self._streak_at > self._window else self._streak + 1
        self._streak_at = now
        failures, calls = self.failure_counts()
        if (calls >= self.min_calls and failures >= self.failure_rate * calls) or (
            0 < self.consecutive_failures <= self._streak
        ):
            self._move(BreakerState.OPEN)

    def _move(self, new: BreakerState) -> None:
        old = self._state
        self._state = new
        self._generation += 1
        self._probes = 0
        self._streak = 0
        if new is BreakerState.OPEN:
            self._opened_at = self._clock()
        if new is BreakerState.CLOSED:
            self._calls.clear()
            self._failures.clear()
        if self._on_change is not None and old is not new:
            self._on_change(old, new)
