"""Sorted parts kept across the pages of a traversal (``orderBy``): the per-runtime memory.

A sorted page reads each provider's whole list and sorts it (gateway/sorted_window.py).
Through the page cache the reads cost no upstream call on the next page, but parsing
and sorting every list again does: at 10,000 items a provider, each page sorted tens of
thousands of items. This memory keeps each provider's sorted part of one list (list
kind, providers, filters and order) for as long as the page cache keeps its pages, so
the next page finds its cursor by bisection instead.

Only what a complete read produced is kept: a part that failed, was left out by the
limit or read a page with parts missing is read again by the next page, as without this
memory (the owed-provider rules are unchanged). Writes clear it with the page cache
(``Runtime.invalidate``); a read that started before a write never stores its part.
Bounded by the items it holds, the least recently used part going first. A kept part
is shared by the requests that take it, never changed: a whole part's spans never fail.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from .sorted_window import Sorted

T = TypeVar("T")
Clock = Callable[[], float]


class SortedSnapshots:
    """Sorted parts by key, each for the TTL it was stored with, at most ``max_items``."""

    def __init__(self, max_items: int, *, clock: Clock = time.monotonic) -> None:
        self.max_items = max_items
        self._clock = clock
        self._parts: OrderedDict[Hashable, tuple[float, Sorted[Any]]] = OrderedDict()
        self._items = 0
        # Bumped by every clear: a read that began in an older epoch stores nothing.
        self.epoch = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._parts)

    @property
    def items(self) -> int:
        return self._items

    def started(self) -> tuple[int, float]:
        """The epoch and time a read begins at, for :meth:`put`: the part expires its TTL
        after the read began, the pages it read being at least that old."""
        return self.epoch, self._clock()

    def get(self, key: Hashable) -> Sorted[Any] | None:
        found = self._parts.get(key)
        if found is None or found[0] <= self._clock():
            if found is not None:
                self._drop(key)
            self.misses += 1
            return None
        self._parts.move_to_end(key)
        self.hits += 1
        return found[1]

    def put(
        self, key: Hashable, part: Sorted[Any], ttl_seconds: float, began: tuple[int, float]
    ) -> None:
        """Keep ``part`` if it is whole, fits, and no write happened since ``began``."""
        epoch, at = began
        size = len(part.entries)
        if ttl_seconds <= 0 or epoch != self.epoch or not part.whole or size > self.max_items:
            return
        if key in self._parts:
            self._drop(key)
        self._parts[key] = (at + ttl_seconds, part)
        self._items += size
        while self._items > self.max_items:
            self._drop(next(iter(self._parts)))

    async def through(
        self, key: Hashable, ttl_seconds: float, read: Callable[[], Awaitable[Sorted[T]]]
    ) -> tuple[Sorted[T], bool]:
        """The part kept under ``key``, else ``read()``'s (kept for ``ttl_seconds`` if
        whole); and whether it was kept. A TTL of 0 (page cache off) always reads."""
        if ttl_seconds <= 0 or self.max_items == 0:
            return await read(), False
        kept = self.get(key)
        if kept is not None:
            return kept, True
        began = self.started()
        part = await read()
        self.put(key, part, ttl_seconds, began)
        return part, False

    def clear(self) -> None:
        self._parts.clear()
        self._items = 0
        self.epoch += 1

    def _drop(self, key: Hashable) -> None:
        _, part = self._parts.pop(key)
        self._items -= len(part.entries)


__all__ = ["SortedSnapshots"]
