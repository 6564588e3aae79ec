"""Request coalescing: concurrent identical calls share one in-flight call.

The shared call runs in its own task, so a caller that gives up (its deadline passed,
its client went away) never cancels it for the others. Its :class:`CallDeadline` is the
latest deadline of the callers that asked for it: no caller is cut short by another's
deadline, and the call never outlives all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .deadline import CallDeadline, Deadline

T = TypeVar("T")


class SharedCallCancelled(Exception):
    """The shared call was cancelled (the client is closing) while this caller waited."""


@dataclass(frozen=True, slots=True)
class _Flight(Generic[T]):
    task: asyncio.Task[T]
    deadline: CallDeadline


class Coalescer(Generic[T]):
    def __init__(self) -> None:
        self._inflight: dict[str, _Flight[T]] = {}

    def __len__(self) -> int:
        return len(self._inflight)

    async def run(
        self,
        key: str,
        start: Callable[[CallDeadline], Coroutine[Any, Any, T]],
        deadline: Deadline | None = None,
    ) -> tuple[T, bool]:
        """The result of the call under ``key`` and whether this caller joined another's.

        ``start(call_deadline)`` begins the call unless one is in flight. This caller
        waits until its own ``deadline`` at most (then ``TimeoutError``).
        """
        flight = self._inflight.get(key)
        joined = flight is not None
        if flight is None:
            shared = CallDeadline(deadline)
            flight = _Flight(asyncio.ensure_future(start(shared)), shared)
            self._inflight[key] = flight
            flight.task.add_done_callback(lambda t: self._finished(key, t))
        else:
            flight.deadline.extend(deadline)
        task = flight.task
        wait = deadline.remaining() if deadline is not None else None
        try:
            async with asyncio.timeout(wait):
                return await asyncio.shield(task), joined
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and (current is None or not current.cancelling()):
                raise SharedCallCancelled() from None
            raise

    def cancel_all(self) -> None:
        for flight in list(self._inflight.values()):
            flight.task.cancel()

    def _finished(self, key: str, task: asyncio.Task[T]) -> None:
        flight = self._inflight.get(key)
        if flight is not None and flight.task is task:
            del self._inflight[key]
        if not task.cancelled():
            # Mark the exception retrieved: every waiter may have left already.
            with contextlib.suppress(BaseException):
                task.exception()
