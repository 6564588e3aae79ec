"""What is made of an immutable object, made once while that object is in use.

Records are immutable, and the reads that reuse an identical upstream body
(gateway/upstream/recent.py) hand every request the same record objects. So what is
made of them, the same every time, is made once, not once a request:

- the GraphQL object of each listed record (schema/types.py; about 1.8 us each: its
  fields, its capabilities, its global id), which nothing mutates (resolvers only read
  their source);
- the assistant record of an assistant a number embeds (loaders.py), and so, in turn,
  its GraphQL object.
- the bytes of an upstream request's URL and headers (upstream/http1_network.py), whose
  objects the client keeps and passes again on every call.

The first two are kept for the whole process (:func:`process_wide`). A reload makes new
adapters, so new records: the old generation's would stay in them, with what was made of
them, until 2048 newer ones pushed them out (about 1.5 MiB over 70 reloads, tracemalloc).
:func:`forget_process_wide` empties them when a generation closes (gateway/reload.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

R = TypeVar("R")
N = TypeVar("N")

KEPT = 2048  # per use: a few polled pages' worth


class MadeOnce(Generic[R, N]):
    """``make(record)``, kept for the last ``size`` records, by the record's identity
    (never by equality: an equal record from another read gets its own)."""

    def __init__(self, make: Callable[[R], N], size: int = KEPT) -> None:
        self._make = make
        self._size = size
        # id -> (the record, what was made of it): the record is kept, so its id names
        # no other meanwhile. An OrderedDict of its own rather than gateway/lru.py's LRU:
        # this runs once per listed item, and the LRU's methods are one more Python call
        # on every hit (bench.hotpath: 336 calls a request). An OrderedDict, since the
        # oldest of a plain dict is found by scanning the slots earlier deletions left.
        self._kept: OrderedDict[int, tuple[R, N]] = OrderedDict()

    def __call__(self, record: R) -> N:
        kept = self._kept.get(id(record))
        if kept is not None and kept[0] is record:
            return kept[1]
        made = self._make(record)
        self._kept[id(record)] = (record, made)
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)  # the oldest first in
        return made

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()


_PROCESS_WIDE: list[MadeOnce[Any, Any]] = []


def process_wide(memo: MadeOnce[R, N]) -> MadeOnce[R, N]:
    """``memo``, emptied by :func:`forget_process_wide` (one kept for the whole process)."""
    _PROCESS_WIDE.append(memo)
    return memo


def forget_process_wide() -> None:
    """Empty every process-wide memo: what they hold is made again on first use."""
    for memo in _PROCESS_WIDE:
        memo.clear()
