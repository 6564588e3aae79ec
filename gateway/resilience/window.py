"""A counter of events over the last few seconds, in fixed time buckets."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]


class SlidingCounter:
    """Counts what happened in the last ``window_seconds`` (to the bucket's precision).

    Memory is ``buckets`` integers whatever the traffic, which is why the breaker and the
    retry budget use this rather than a list of timestamps.
    """

    def __init__(
        self, window_seconds: float, *, buckets: int = 10, clock: Clock = time.monotonic
    ) -> None:
        self._width = window_seconds / buckets
        self._buckets = buckets
        self._clock = clock
        self._counts: deque[list[int]] = deque()  # [bucket index, count], oldest first

    def _now(self) -> int:
        index = int(self._clock() / self._width)
        while self._counts and self._counts[0][0] <= index - self._buckets:
            self._counts.popleft()
        return index

    def add(self, n: int = 1) -> None:
        index = self._now()
        if self._counts and self._counts[-1][0] == index:
            self._counts[-1][1] += n
        else:
            self._counts.append([index, n])

    def total(self) -> int:
        self._now()
        return sum(count for _, count in self._counts)

    def clear(self) -> None:
        self._counts.clear()
