"""Relay ``first/after/last/before`` over a sorted list (``orderBy``), with keyset cursors.

No provider's list endpoint sorts by the keys the schema offers in a way its docs
guarantee for ties, so each selected provider's (natively filtered) list is read whole,
through the request's page loader and the page cache, and sorted here
(:func:`read_sorted`); at most ``limit`` items of one provider, beyond which it is left
out with :class:`~gateway.errors.SortLimitExceeded`. :func:`sorted_window` then cuts the
page out of the merged lists by keyset: a cursor names its item by sort values, provider
and native id (gateway/ordering.py), so the next page starts right after it whatever
was added or removed meanwhile.

A provider that fails is skipped and owed, as on unsorted lists (gateway/pagination.py):
the cursors after it carry it with the keyset it stopped at, and the next page in the
same direction first gives its items between there and where the traversal stands, then
goes on. Backwards is the same walk over the reversed lists.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .cursors import Keyset, KeysetCursor
from .errors import GatewayError, SortLimitExceeded, UpstreamError
from .model import ProviderName
from .ordering import Compare, Order, first_after, first_from
from .pagination import Source

T = TypeVar("T")
Entry = tuple[Keyset, T]
Owing = tuple[int, Keyset | None]


@dataclass
class Sorted(Generic[T]):
    """One provider's part of a sorted list: its kept items in the order, or why none."""

    slot: int
    entries: list[Entry[T]]
    error: GatewayError | None = None  # UpstreamError: failed (owed); SortLimitExceeded: left out


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
    chunks = source.forward(None)
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
    return Sorted(source.slot, entries)


@dataclass
class KeysetWindow(Generic[T]):
    entries: list[tuple[KeysetCursor, T]]
    has_previous: bool
    has_next: bool
    stalled: bool = False  # empty because every provider it needed failed


OnError = Callable[[GatewayError], None]


def _span(
    entries: list[Entry[T]], cmp: Compare, lo: Keyset | None, hi: Keyset | None, upto: bool
) -> list[Entry[T]]:
    """The entries after ``lo`` and before ``hi`` (``upto``: ``hi`` included)."""
    start = 0 if lo is None else first_after(entries, lo, cmp)
    if hi is None:
        return entries[start:]
    stop = first_after(entries, hi, cmp) if upto else first_from(entries, hi, cmp)
    return entries[start:stop]


def _travel(
    parts: list[Sorted[T]],
    cmp: Compare,
    reached: Keyset | None,
    owed: tuple[Owing, ...],
    bound: Keyset | None,
    needed: int,
    backward: bool,
    on_error: OnError,
) -> tuple[list[tuple[KeysetCursor, T]], bool]:
    """The first ``needed`` entries in travel order (``parts`` and ``cmp`` already run
    that way) with their cursors, and whether a failure cost the page items."""
    by_slot = {p.slot: p for p in parts}
    owed_slots = {slot for slot, _ in owed}
    still_owed: list[Owing] = []  # owed providers failing again: owed as they were
    lanes: list[tuple[int, list[Entry[T]]]] = []  # owed providers that answered
    for slot, resume in sorted(owed, key=lambda o: -o[0] if backward else o[0]):
        part = by_slot[slot]
        if isinstance(part.error, UpstreamError):
            still_owed.append((slot, resume))
        elif part.error is None:
            lane = _span(part.entries, cmp, resume, reached, upto=True)
            lanes.append((slot, _span(lane, cmp, None, bound, upto=False)))
    failing = [p for p in parts if isinstance(p.error, UpstreamError) and p.slot not in owed_slots]
    key = functools.cmp_to_key(cmp)
    merged: Iterable[Entry[T]] = heapq.merge(
        *(_span(p.entries, cmp, reached, bound, upto=False) for p in parts if p.error is None),
        key=lambda e: key(e[0]),
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


def sorted_window(
    parts: list[Sorted[T]],
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
        entries, cut = _travel(
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
    reverse = [Sorted(p.slot, p.entries[::-1], p.error) for p in parts]
    entries, cut = _travel(
        reverse, lambda a, b: order.compare(b, a), reached, owed, bound, last + 1, True, on_error
    )
    return KeysetWindow(
        entries[:last][::-1],
        has_previous=len(entries) > last or cut,
        has_next=before is not None,
        stalled=cut and not entries,
    )


__all__ = ["KeysetWindow", "Sorted", "read_sorted", "sorted_window"]
