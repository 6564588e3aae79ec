"""The work done on recent upstream bodies, reused when the same bytes come again.

A dashboard polls the same pages, and while nothing changes upstream each read returns
the same bytes. Validating them again (pydantic, about 2.5 us an item) and making the
same records of them (about 1.5 us an item) was a fifth of a cold request's CPU
(BENCHMARKS.md). Every read still goes to the upstream and every answer is built from
the bytes it just returned: only the pure functions of those bytes are not run twice.

- :data:`BODIES` keeps a decoder's result per body, by the bytes themselves (a hash and
  a compare, far below a validation). Only for decoders whose results are frozen models
  (providers/base.py ``decoder``): ``json.loads``' dicts are never shared. It is not per
  tenant, unlike the page cache: it never answers a call, it only spares a caller
  decoding the bytes it was itself just sent, and the same bytes decode to the same
  model whoever received them.
- :data:`RECORDS` keeps the records a converter made of a decoded body, by the body
  object (the same bytes gave the same object) and the converter, for converters that
  return domain records, which are immutable. An adapter is held by a weak reference:
  a replaced runtime's adapters are never kept alive by it, their records go when they
  do, and one tenant's adapter never finds another's records.

Both are bounded for the whole process, whatever the number of tenants: by weight (body
bytes, records) and by entry, and a body or list too big to be worth keeping is not kept.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any

from ..lru import LRU
from ..model import Assistant, PhoneNumber

# Body bytes kept for the whole process (the models made of them take a few times more),
# and the largest body kept: a big unpaged list is validated each time, not held.
BODY_BYTES_KEPT = 4 * 1024 * 1024
LARGEST_BODY_KEPT = 256 * 1024
# Records kept for the whole process, and the longest list of them kept.
RECORDS_KEPT = 20_000
LONGEST_LIST_KEPT = 2_000

_RECORDS = frozenset({PhoneNumber, Assistant})


class RecentBodies:
    """``decode(body)``, kept for recent bodies by what they decode to and the bytes."""

    def __init__(self, budget: int = BODY_BYTES_KEPT, largest: int = LARGEST_BODY_KEPT) -> None:
        self._recent = LRU(budget, largest)

    def decode(self, body: bytes, decode: Callable[[bytes], Any], kind: Hashable) -> Any:
        """What ``decode`` makes of ``body``: kept from an identical body, or decoded now
        (and kept, unless ``decode`` raised: a failure is never reused). ``kind`` names
        the result (the model class): decoders of one model, whichever runtime made them,
        share what they decoded, so a reload leaves nothing behind to age out."""
        key = (kind, body)
        found = self._recent.get(key)
        if found is not None:
            return found
        value = decode(body)
        self._recent.put(key, value, len(body))
        return value


class RecentRecords:
    """Records made of recent decoded bodies, per (endpoint, body, converter)."""

    def __init__(self, budget: int = RECORDS_KEPT, largest: int = LONGEST_LIST_KEPT) -> None:
        self._recent = LRU(budget, largest, on_drop=self._dropped)
        # id of a live adapter -> its keys here: dropped when the adapter is freed (a
        # replaced runtime's records go with it, not when the bound reaches them).
        self._by_owner: dict[int, set[Hashable]] = {}

    def convert(
        self, where: Hashable, body: object, items: list[Any], convert: Callable[[Any], Any]
    ) -> list[Any]:
        """``[convert(i) for i in items]`` (``items``: what ``body`` lists), kept when every
        result is a domain record; a new list every time, so no caller shares one."""
        owner = getattr(convert, "__self__", None)
        func = getattr(convert, "__func__", convert)
        key = (where, id(body), id(owner), func)
        kept = self._recent.get(key)
        if kept is not None:
            kept_body, kept_owner, records = kept
            if kept_body is body and (owner is None or kept_owner() is owner):
                return list(records)
        made = [convert(item) for item in items]
        if not self._keeps(made):
            return made
        # The body is kept with its records, so its id names no other body meanwhile;
        # the adapter only weakly, so a dead one's id, reused, finds nothing.
        held = None
        if owner is not None:
            try:
                held = weakref.ref(owner)
            except TypeError:  # an owner that takes no weak reference: not kept
                return made
            keys = self._by_owner.get(id(owner))
            if keys is None:
                keys = self._by_owner[id(owner)] = set()
                weakref.finalize(owner, self._forget, id(owner))
            keys.add(key)
        self._recent.put(key, (body, held, tuple(made)), len(made))
        return made

    def _keeps(self, made: list[Any]) -> bool:
        """Whether ``made`` is kept: domain records only (checked with no Python-level
        loop), and no longer a list than the bound keeps."""
        return 0 < len(made) <= self._recent.largest and set(map(type, made)) <= _RECORDS

    def __len__(self) -> int:
        return len(self._recent)

    def _dropped(self, key: Hashable) -> None:
        keys = self._by_owner.get(key[2])  # type: ignore[index]
        if keys is not None:
            keys.discard(key)

    def _forget(self, owner: int) -> None:
        for key in self._by_owner.pop(owner, ()):
            self._recent.discard(key)


# One of each for the whole process (see the module's docstring).
BODIES = RecentBodies()
RECORDS = RecentRecords()
