"""How long each upstream list was when last read to its end: the planner's hints.

A page of the gateway's list asks a provider only when the page can reach it. Whether it
can depends on how many items the providers before it hold, which is unknown until they
are read. This memory keeps, per runtime, the lengths the reads showed (a reported total,
the end of a list read to its end), so later pages ask only the providers they need.

A length is a hint, never an answer: every item still comes from a read, and a list that
grew or shrank since is read again in the same request (pagination.py, ``_collect``).
It outlives the page cache on purpose (``list_length_seconds``), even with that cache
off: being wrong costs one more upstream round, never an item.

Past its TTL (or after a write) a length no longer answers "is there more", but it stays,
bounded, as a guess: the planner uses it only to choose which lists a page's first round
asks, so a quiet deployment whose lengths all expired still asks every list a page spans
in one round, rather than guessing each unknown list holds a whole upstream page.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

Clock = Callable[[], float]


class ListLengths:
    """Lengths of upstream lists, each for ``ttl_seconds`` after the read that showed it."""

    def __init__(
        self, ttl_seconds: float, *, max_entries: int = 4096, clock: Clock = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._lengths: OrderedDict[Hashable, tuple[float, int]] = OrderedDict()

    def get(self, key: Hashable) -> int | None:
        """The length, while its TTL runs."""
        entry = self._lengths.get(key)
        if entry is None or self._clock() >= entry[0]:
            return None
        return entry[1]

    def guess(self, key: Hashable) -> int | None:
        """The last length learned, however old: for planning only, never an answer."""
        entry = self._lengths.get(key)
        return None if entry is None else entry[1]

    def learn(self, key: Hashable, length: int) -> None:
        if self.ttl_seconds <= 0:
            return
        self._lengths[key] = (self._clock() + self.ttl_seconds, length)
        self._lengths.move_to_end(key)
        while len(self._lengths) > self._max:
            self._lengths.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        self._lengths.pop(key, None)

    def clear(self) -> None:
        """Expire every length (a write may have changed any list); each stays a guess."""
        expired = float("-inf")
        self._lengths = OrderedDict((k, (expired, n)) for k, (_, n) in self._lengths.items())

    def of(self, key: Hashable) -> RememberedLength:
        """The length of one list, as a :class:`~gateway.pagination.Source` uses it."""
        return RememberedLength(self, key)


@dataclass(frozen=True, slots=True)
class RememberedLength:
    """One list's entry in a :class:`ListLengths`."""

    store: ListLengths
    key: Hashable

    def get(self) -> int | None:
        return self.store.get(self.key)

    def guess(self) -> int | None:
        return self.store.guess(self.key)

    def learn(self, length: int) -> None:
        self.store.learn(self.key, length)

    def forget(self) -> None:
        self.store.forget(self.key)


__all__ = ["ListLengths", "RememberedLength"]
