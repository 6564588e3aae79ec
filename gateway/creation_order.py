"""A sorted list's part read in creation order by the upstream itself.

Where an adapter sorts by creation and filters by a creation bound as its API documents
(``AdapterInfo.sorts_by_creation``: Vapi's ``sortBy=createdAt``, ``sortOrder`` and
``createdAtGe``/``createdAtLe``), a list whose first key is ``CREATED_AT`` needs only the
pages after the cursor: each window reads from the cursor's creation time on, a page at
a time, until it holds enough entries that are certain. An entry is certain once an
item created later (in travel order) has been read, or the list ended: items created at
the same instant may span pages, and the order among them is the gateway's (the
remaining keys, then provider and id), not the upstream's, so the whole group is read
before any of it is placed. The same number read twice (a group split across pages) is
kept once.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .cursors import Keyset
from .errors import GatewayError, SortLimitExceeded
from .model import PhoneNumber, ProviderName
from .ordering import Direction, Order
from .pagination import Source, list_ended
from .paging import ByCreation, Page, PageRequest
from .sorted_window import Ask, Entry, between

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sorts_natively(order: Order[PhoneNumber]) -> bool:
    """Whether ``order`` is one an upstream sorting by creation can serve page by page."""
    return order.keys[0][0].name == "CREATED_AT"


@dataclass
class ByCreationPart:
    """One provider's numbers, read in creation order from each window's cursor on."""

    slot: int
    provider: ProviderName
    order: Order[PhoneNumber]
    source: Source[PhoneNumber]  # its fetch, page size and filters; also what count() reads
    limit: int  # sorted_max_items_per_provider: a window reads at most this many items
    error: GatewayError | None = None

    async def count(self) -> int:
        return await self.source.count()

    async def span(self, ask: Ask) -> list[Entry[PhoneNumber]]:
        cmp, backward, lo, hi, limit = ask.cmp, ask.backward, ask.lo, ask.hi, ask.limit
        newest_first = (self.order.keys[0][1] is Direction.DESC) is not backward
        bound: datetime | None = None
        if lo is not None:
            start = lo[0][0]
            if start is None:  # nulls come last in the order: nothing after one, all before
                if not backward:
                    return []
            else:
                bound = _EPOCH + timedelta(microseconds=int(start))
        fetch: Callable[[PageRequest], Awaitable[Page[PhoneNumber]]] = self.source.fetch
        size, keep = self.source.page_size, self.source.keep
        found: dict[str, Entry[PhoneNumber]] = {}
        certain: list[Entry[PhoneNumber]] = []
        offset, read = 0, 0
        by = ByCreation(newest_first, bound)
        while True:
            page = await fetch(PageRequest(limit=size, offset=offset, by_creation=by))
            offset += len(page.items)
            read += len(page.items)
            if read > self.limit:
                raise SortLimitExceeded(self.provider, self.limit)
            for n in page.items:
                entry = (self.order.keyset(n, self.slot), n)
                if (keep is None or keep(n)) and (lo is None or cmp(entry[0], lo) > 0):
                    found[n.native_id] = entry
            ended = list_ended(page, size, offset)
            last = page.items[-1] if page.items else None
            edge = self.order.keyset(last, self.slot)[0][0] if last is not None else None
            certain = [e for e in found.values() if ended or e[0][0][0] != edge]
            if ended or len(certain) >= limit or _past(edge, hi, newest_first):
                break
        by_keyset = functools.cmp_to_key(cmp)
        certain.sort(key=lambda e: by_keyset(e[0]))
        return between(certain, cmp, None, hi, ask.upto)[:limit]


def _past(edge: object, hi: Keyset | None, newest_first: bool) -> bool:
    """Whether items created at ``edge`` and after (in travel order) all lie beyond ``hi``."""
    end = hi[0][0] if hi is not None else None
    if not isinstance(end, int) or not isinstance(edge, int):
        return False
    return edge < end if newest_first else edge > end


__all__ = ["ByCreationPart", "sorts_natively"]
