"""The deadline of one GraphQL request, which no upstream call outlives.

Set per HTTP request by :class:`DeadlineMiddleware` in a contextvar, so every task the
request starts (dataloader batches, gathered provider calls) sees it without threading
it through resolvers and adapters. The upstream client reads it with
:func:`current_deadline` and bounds each attempt, backoff and ``Retry-After`` wait by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType

from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True, slots=True)
class Deadline:
    expires_at: float  # time.monotonic()

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def remaining(self) -> float:
        return self.expires_at - time.monotonic()

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0


_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "switchboard_deadline", default=None
)


def current_deadline() -> Deadline | None:
    return _current.get()


def _within(seconds: float | None) -> Deadline | None:
    """A deadline ``seconds`` from now, never later than the one already in force."""
    outer = _current.get()
    deadline = Deadline.after(seconds) if seconds is not None else outer
    if outer is not None and deadline is not None and outer.expires_at < deadline.expires_at:
        deadline = outer
    return deadline


@contextlib.contextmanager
def deadline_scope(seconds: float | None) -> Iterator[Deadline | None]:
    """Run the block under a deadline ``seconds`` from now (never later than an outer one)."""
    deadline = _within(seconds)
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


class CallDeadline:
    """When one upstream call must end: its caller's deadline, or, for a coalesced call,
    the latest deadline among the callers waiting for it.

    It only ever moves later (:meth:`extend`, when a caller with more time joins), and
    attempts in flight under :meth:`timeout` move with it, so a caller that joins an
    older caller's call is never cut short by that caller's deadline.
    """

    def __init__(self, deadline: Deadline | None = None) -> None:
        self.expires_at = deadline.expires_at if deadline is not None else math.inf
        self._timers: dict[asyncio.Timeout, float] = {}  # in-flight timer -> its own cap

    def remaining(self) -> float:
        return self.expires_at - time.monotonic()

    def extend(self, deadline: Deadline | None) -> None:
        later = deadline.expires_at if deadline is not None else math.inf
        if later <= self.expires_at:
            return
        self.expires_at = later
        for timer, cap in list(self._timers.items()):
            if not timer.expired():
                timer.reschedule(_loop_time(min(cap, later)))

    def timeout(self, seconds: float) -> _Bounded:
        """Like ``asyncio.timeout(seconds)``, but also ending at this deadline."""
        return _Bounded(self._timers, self.expires_at, seconds)


def _loop_time(monotonic: float) -> float:
    loop = asyncio.get_running_loop()
    return loop.time() + (monotonic - time.monotonic())


class _Bounded:
    """One attempt's timer, registered in its call's ``timers`` while it runs so that
    :meth:`CallDeadline.extend` can move it."""

    def __init__(
        self, timers: dict[asyncio.Timeout, float], expires_at: float, seconds: float
    ) -> None:
        self._timers = timers
        self._cap = time.monotonic() + seconds
        self._timer = asyncio.timeout_at(_loop_time(min(self._cap, expires_at)))

    async def __aenter__(self) -> None:
        await self._timer.__aenter__()
        self._timers[self._timer] = self._cap

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        self._timers.pop(self._timer, None)
        await self._timer.__aexit__(exc_type, exc, tb)  # raises TimeoutError when expired
        return None


class DeadlineMiddleware:
    """Pure ASGI middleware: each HTTP request runs under a deadline of ``seconds``."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _current.set(_within(self.seconds))  # deadline_scope, without its generator
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)
