"""A map bounded by the weight of what it holds, the least recently used dropped first.

For the process's small in-memory memos: the reuse of unchanged upstream bodies
(upstream/recent.py, weighed in bytes and in records) and the upstream URLs a client
has built (upstream/client.py, each weighing 1). made_once.py keeps its own OrderedDict:
it runs once per listed item, where a method call per hit shows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LRU:
    """Values by key, the least recently used dropped first while the total weight is
    over ``budget``; a value heavier than ``largest`` is not kept. An OrderedDict: the
    oldest of a plain dict is found by scanning the slots earlier deletions left."""

    def __init__(
        self, budget: int, largest: int, on_drop: Callable[[Hashable], None] | None = None
    ) -> None:
        self._budget = budget
        self.largest = largest
        self._on_drop = on_drop  # told of each key the bound drops
        self._used = 0
        self._kept: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable) -> Any:
        """The value under ``key``, or None; TypeError for a key that is not hashable."""
        kept = self._kept.get(key)
        if kept is None:
            return None
        self._kept.move_to_end(key)
        return kept[0]

    def put(self, key: Hashable, value: Any, weight: int = 1) -> None:
        if weight > self.largest:
            return
        replaced = self._kept.pop(key, None)
        if replaced is not None:
            self._used -= replaced[1]
        self._kept[key] = (value, weight)
        self._used += weight
        while self._used > self._budget:
            dropped, (_, lighter) = self._kept.popitem(last=False)
            self._used -= lighter
            if self._on_drop is not None:
                self._on_drop(dropped)

    def discard(self, key: Hashable) -> None:
        kept = self._kept.pop(key, None)
        if kept is not None:
            self._used -= kept[1]


__all__ = ["LRU"]
