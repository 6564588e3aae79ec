"""Relay ``first/after/last/before`` over a sorted list (``orderBy``), with keyset cursors.

Each selected provider is one :class:`Part` of the list. Most upstreams document no sort
by the keys the schema offers, so their (natively filtered) list is read whole, through
the request's page loader and the page cache, and sorted here (:func:`read_sorted`); at
most ``limit`` items of one provider, beyond which it is left out with
:class:`~gateway.errors.SortLimitExceeded`. An upstream that sorts by creation itself
reads only the pages a window needs (gateway/creation_order.py). :func:`sorted_window`
asks each part for the entries after the cursor, merges them k-way and cuts the page:
a cursor names its item by sort values, provider and native id (gateway/ordering.py), so
the next page starts right after it whatever was added or removed meanwhile.

A provider that fails is skipped and owed, as on unsorted lists (gateway/pagination.py):
the cursors after it carry it with the keyset it stopped at, and the next page in the
same direction first gives its items between there and where the traversal stands, then
goes on. Backwards is the same walk in the reversed order.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from .cursors import Keyset, KeysetCursor
from .errors import GatewayError, SortLimitExceeded, UpstreamError
from .model import ProviderName
from .ordering import Compare, Order, first_after, first_from
from .pagination import Source
from .paging import Page, PageRequest

T = TypeVar("T")
Entry = tuple[Keyset, T]
Owing = tuple[int, Keyset | None]


@dataclass(frozen=True, slots=True)
class Ask:
    """What a window asks of a part: up to ``limit`` entries after ``lo`` and before
    ``hi`` (``upto``: ``hi`` included), in travel order (``cmp``: the order, or its
    reverse if ``backward``)."""

    cmp: Compare
    backward: bool
    lo: Keyset | None
    hi: Keyset | None
    upto: bool
    limit: int


class Part(Protocol[T]):
    """One provider's part of a sorted list, as the window reads it."""

    slot: int
    error: GatewayError | None  # UpstreamError: failed (owed); SortLimitExceeded: left out

    async def span(self, ask: Ask) -> list[Entry[T]]:
        """The entries ``ask`` wants; a failure is raised (a GatewayError)."""
        ...

    async def count(self) -> int:
        """Its items in the whole (filtered) list."""
        ...


def between(
    entries: list[Entry[T]], cmp: Compare, lo: Keyset | None, hi: Keyset | None, upto: bool
) -> list[Entry[T]]:
    """The sorted ``entries`` after ``lo`` and before ``hi`` (``upto``: ``hi`` included)."""
    start = 0 if lo is None else first_after(entries, lo, cmp)
    if hi is None:
        return entries[start:]
    stop = first_after(entries, hi, cmp) if upto else first_from(entries, hi, cmp)
    return entries[start:stop]


@dataclass
class Sorted(Generic[T]):
    """A part read whole and sorted here: its kept entries in the order, or why none."""

    slot: int
    entries: list[Entry[T]]
    error: GatewayError | None = None
    partial: bool = False  # a page it read had parts missing (their errors reported)
    _reversed: list[Entry[T]] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        """Whether it holds the provider's whole list: what a snapshot may keep."""
        return self.error is None and not self.partial

    async def span(self, ask: Ask) -> list[Entry[T]]:
        if self.error is not None:
            raise self.error
        entries = self.entries
        if ask.backward:
            if len(self._reversed) != len(entries):
                self._reversed = entries[::-1]
            entries = self._reversed
        return between(entries, ask.cmp, ask.lo, ask.hi, ask.upto)[: ask.limit]

    async def count(self) -> int:
        if self.error is not None:
            raise self.error
        return len(self.entries)


async def read_sorted(
    source: Source[T],
    provider: ProviderName,
    order: Order[T],
    keep: Callable[[T], bool] | None,
    limit: int,
) -> Sorted[T]:
    """``source``'s whole list (``source.keep`` unset: every upstream item counts toward
    ``limit``), filtered by ``keep`` and sorted."""
    items: list[T] = []
    partial = False

    async def fetch(request: PageRequest) -> Page[T]:
        nonlocal partial
        page = await source.fetch(request)
        partial = partial or bool(page.partial)
        return page

    chunks = dataclasses.replace(source, fetch=fetch).forward(None)
    try:
        async for chunk in chunks:
            items.extend(item for _, item in chunk.entries)
            if len(items) > limit:
                return Sorted(source.slot, [], SortLimitExceeded(provider, limit))
    except UpstreamError as exc:
        return Sorted(source.slot, [], exc)
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]
    entries = [(order.keyset(i, source.slot), i) for i in items if keep is None or keep(i)]
    order.sort(entries)
    return Sorted(source.slot, entries, partial=partial)


@dataclass
class KeysetWindow(Generic[T]):
    entries: list[tuple[KeysetCursor, T]]
    has_previous: bool
    has_next: bool
    stalled: bool = False  # empty because every provider it needed failed


OnError = Callable[[GatewayError], None]


async def _spans(
    parts: list[Part[T]],
    cmp: Compare,
    backward: bool,
    asks: list[tuple[int, Keyset | None, Keyset | None, bool]],
    limit: int,
) -> list[list[Entry[T]] | None]:
    """Each ask (slot, lo, hi, upto) of the parts at once; None where the part failed,
    and then its error is the part's."""
    by_slot = {p.slot: p for p in parts}

    async def one(slot: int, lo: Keyset | None, hi: Keyset | None, upto: bool) -> Any:
        part = by_slot[slot]
        if part.error is not None:
            return None
        try:
            return await part.span(Ask(cmp, backward, lo, hi, upto, limit))
        except GatewayError as exc:
            part.error = exc
            return None

    found = await asyncio.gather(*(one(*ask) for ask in asks))
    return [
        None if by_slot[ask[0]].error is not None else got
        for ask, got in zip(asks, found, strict=True)
    ]


async def _travel(
    parts: list[Part[T]],
    cmp: Compare,
    reached: Keyset | None,
    owed: tuple[Owing, ...],
    bound: Keyset | None,
    needed: int,
    backward: bool,
    on_error: OnError,
) -> tuple[list[tuple[KeysetCursor, T]], bool]:
    """The first ``needed`` entries in travel order (``cmp``) with their cursors, and
    whether a failure cost the page items."""
    by_slot = {p.slot: p for p in parts}
    owed_slots = {slot for slot, _ in owed}
    ordered = sorted(owed, key=lambda o: -o[0] if backward else o[0])
    asks = [(slot, resume, reached, True) for slot, resume in ordered]
    asks += [(p.slot, reached, None, False) for p in parts]
    found = await _spans(parts, cmp, backward, asks, needed)
    owed_found, main_found = found[: len(ordered)], found[len(ordered) :]

    def within(entries: list[Entry[T]]) -> list[Entry[T]]:
        return between(entries, cmp, None, bound, upto=False)

    still_owed = [o for o in ordered if isinstance(by_slot[o[0]].error, UpstreamError)]
    lanes = [
        (slot, within(got))
        for (slot, _), got in zip(ordered, owed_found, strict=True)
        if got is not None and by_slot[slot].error is None
    ]
    failing = [p for p in parts if isinstance(p.error, UpstreamError) and p.slot not in owed_slots]
    key = functools.cmp_to_key(cmp)
    merged: Iterable[Entry[T]] = heapq.merge(
        *(within(got) for got in main_found if got is not None), key=lambda e: key(e[0])
    )
    out: list[tuple[KeysetCursor, T]] = []
    for k, (slot, lane) in enumerate(lanes):
        later = [(s, dict(owed)[s]) for s, _ in lanes[k + 1 :]]
        for keyset, item in lane:
            state = sorted([*still_owed, (slot, keyset), *later], key=lambda o: o[0])
            out.append((KeysetCursor(keyset, reached, tuple(state), backward), item))
    before_main = len(out)
    behind = sorted([*still_owed, *((p.slot, reached) for p in failing)], key=lambda o: o[0])
    for keyset, item in itertools.islice(merged, max(needed - len(out), 0)):
        out.append((KeysetCursor(keyset, None, tuple(behind), backward), item))
    cost = [part.error for part in parts if part.error is not None]
    if before_main >= needed:  # full before the main lane: only owed failures counted
        cost = [e for e in (by_slot[s].error for s, _ in still_owed) if e is not None]
    for error in cost:
        on_error(error)
    return out[:needed], any(isinstance(e, UpstreamError) for e in cost)


async def sorted_window(
    parts: list[Part[T]],
    order: Order[T],
    *,
    first: int | None,
    after: KeysetCursor | None,
    last: int | None,
    before: KeysetCursor | None,
    on_error: OnError,
) -> KeysetWindow[T]:
    """The Relay window of the merged sorted ``parts`` (one per provider, in slot order)."""

    def state(c: KeysetCursor | None, backward: bool) -> tuple[Keyset | None, tuple[Owing, ...]]:
        return c.resume(backward) if c is not None else (None, ())

    if last is None:
        count = first if first is not None else 0
        reached, owed = state(after, False)
        bound = before.position if before is not None else None
        entries, cut = await _travel(
            parts, order.compare, reached, owed, bound, count + 1, False, on_error
        )
        return KeysetWindow(
            entries[:count],
            has_previous=after is not None,
            has_next=len(entries) > count or cut,
            stalled=cut and not entries,
        )
    reached, owed = state(before, True)
    bound = after.position if after is not None else None
    entries, cut = await _travel(
        parts, lambda a, b: order.compare(b, a), reached, owed, bound, last + 1, True, on_error
    )
    return KeysetWindow(
        entries[:last][::-1],
        has_previous=len(entries) > last or cut,
        has_next=before is not None,
        stalled=cut and not entries,
    )


__all__ = [
    "Ask",
    "Entry",
    "KeysetWindow",
    "Part",
    "Sorted",
    "between",
    "read_sorted",
    "sorted_window",
]
