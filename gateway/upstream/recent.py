"""The work done on the last few upstream bodies, reused when the same bytes come again.

A dashboard polls the same pages, and while nothing changes upstream each read returns
the same bytes. Validating them again (pydantic, about 2.5 us an item) and making the
same records of them (about 1.5 us an item) was a fifth of a cold request's CPU
(BENCHMARKS.md). Every read still goes to the upstream and every answer is built from
the bytes it just returned: only the pure functions of those bytes are not run twice.

- :class:`RecentBodies` keeps a decoder's result per body, by the bytes themselves (a
  hash and a compare, far below a validation). Only for decoders whose results are
  frozen models (providers/base.py ``decoder``): ``json.loads``' dicts are never shared.
  It is not per tenant, unlike the page cache: it never answers a call, it only spares
  a caller decoding the bytes it was itself just sent, and the same bytes decode to the
  same model whoever received them.
- :class:`RecentRecords` keeps the records a converter made of a decoded body, by the
  body object (the same bytes gave the same object), for converters that return domain
  records, which are immutable. Each :class:`~gateway.upstream.UpstreamClient` has its
  own (``recent_records``), so a runtime's adapters are never kept past the runtime.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from ..model import Assistant, PhoneNumber

# Distinct bodies kept per decoder: the pages a client polls, across tenants.
BODIES_KEPT = 4
# Decoded bodies whose records are kept per upstream client (all its list endpoints).
RECORDS_KEPT = 16

_RECORDS = frozenset({PhoneNumber, Assistant})


class RecentBodies:
    """``decode(body)`` for the last ``size`` distinct bodies."""

    def __init__(self, size: int = BODIES_KEPT) -> None:
        self._size = size
        self._kept: OrderedDict[bytes, Any] = OrderedDict()

    def decode(self, body: bytes, decode: Callable[[bytes], Any]) -> Any:
        """What ``decode`` makes of ``body``: kept from an identical body, or decoded now
        (and kept, unless ``decode`` raised: a failure is never reused)."""
        found = self._kept.get(body)
        if found is not None:
            self._kept.move_to_end(body)
            return found
        value = decode(body)
        self._kept[body] = value
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return value


class RecentRecords:
    """Records made of the last ``size`` decoded bodies, per (endpoint, body, converter)."""

    def __init__(self, size: int = RECORDS_KEPT) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[Hashable, int], tuple[object, object, tuple[Any, ...]]]
        self._kept = OrderedDict()

    def convert(
        self, where: Hashable, body: object, items: list[Any], convert: Callable[[Any], Any]
    ) -> list[Any]:
        """``[convert(i) for i in items]`` (``items``: what ``body`` lists), kept when every
        result is a domain record; a new list every time, so no caller shares one."""
        key = (where, id(body))
        kept = self._kept.get(key)
        if kept is not None and kept[0] is body and kept[1] == convert:
            self._kept.move_to_end(key)
            return list(kept[2])
        made = [convert(item) for item in items]
        if made and set(map(type, made)) <= _RECORDS:  # no Python-level loop
            # The body is kept with its records, so its id names no other body meanwhile.
            self._kept[key] = (body, convert, tuple(made))
            if len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return made
