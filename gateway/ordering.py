"""The total order of a sorted list (``orderBy``): sort keys, tie-breakers, comparison.

An order is the keys the client asked for, each ascending or descending, then the
provider (registry order) and the native id, both ascending, so no two items ever tie
and a keyset cursor names one place exactly. A null value sorts after every value in
both directions (a dashboard sorted newest first shows the dated items first).

Items reduce to a :data:`Keyset`: one comparable value per requested key, then the
provider's slot in the query's provider list (its registry rank among the selected
providers) and the native id. Keysets are what cursors carry, so comparing an item with
a cursor needs nothing but the two keysets (:func:`compare`); sorting a whole list uses
Python's stable sort one key at a time (:func:`sort`), which agrees with it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from .cursors import Keyset
from .model import Assistant, PhoneNumber

T = TypeVar("T")

# One requested key's value: an int (timestamps in microseconds, ranks) or a str, or
# None for "not reported" (sorted last). A Keyset holds them, then (provider slot, native id).
Value = int | str | None

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Direction(enum.StrEnum):
    ASC = "ASC"
    DESC = "DESC"


def _instant(at: datetime | None) -> int | None:
    """Microseconds since the epoch; a timestamp without a zone is taken as UTC."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return (at - _EPOCH) // timedelta(microseconds=1)


def _text(value: str | None) -> str | None:
    """Names sort case-insensitively; an empty label counts as none."""
    return value.casefold() if value else None


def _rank(value: enum.Enum) -> int:
    return list(type(value)).index(value)


@dataclass(frozen=True)  # no slots: SortKey[X](...) sets __orig_class__
class SortKey(Generic[T]):
    """A field a list can be sorted by and how to read its value off an item."""

    name: str
    value: Callable[[T], Value]


NUMBER_KEYS: dict[str, SortKey[PhoneNumber]] = {
    k.name: k
    for k in (
        SortKey[PhoneNumber]("CREATED_AT", lambda n: _instant(n.created_at)),
        SortKey[PhoneNumber]("UPDATED_AT", lambda n: _instant(n.updated_at)),
        SortKey[PhoneNumber]("NUMBER", lambda n: n.number),
        SortKey[PhoneNumber]("DISPLAY_NAME", lambda n: _text(n.display_name)),
        SortKey[PhoneNumber]("PROVIDER", lambda _n: None),  # the slot: filled in by keyset()
        SortKey[PhoneNumber]("STATUS", lambda n: _rank(n.status)),
    )
}
ASSISTANT_KEYS: dict[str, SortKey[Assistant]] = {
    k.name: k
    for k in (
        SortKey[Assistant]("NAME", lambda a: _text(a.name)),
        SortKey[Assistant]("PROVIDER", lambda _a: None),
        SortKey[Assistant]("CREATED_AT", lambda a: _instant(a.created_at)),
    )
}


@dataclass(frozen=True, slots=True)
class Order(Generic[T]):
    """The requested keys of a sorted list, each with its direction."""

    keys: tuple[tuple[SortKey[T], Direction], ...]

    def fingerprint(self) -> str:
        """Binds cursors to the order: another order's cursor is BAD_CURSOR."""
        return ",".join(f"{k.name}:{d.value}" for k, d in self.keys)

    def keyset(self, item: Any, slot: int) -> Keyset:
        values = tuple(slot if k.name == "PROVIDER" else k.value(item) for k, _ in self.keys)
        return (values, slot, item.native_id)

    def compare(self, a: Keyset, b: Keyset) -> int:
        """-1, 0 or 1 as ``a`` sorts before, with or after ``b`` in this order."""
        for (_, direction), x, y in zip(self.keys, a[0], b[0], strict=True):
            if x == y:
                continue
            if x is None or y is None:  # nulls last, whichever the direction
                return 1 if x is None else -1
            before = x < y  # type: ignore[operator]
            return -1 if before is (direction is Direction.ASC) else 1
        if a[1:] == b[1:]:
            return 0
        return -1 if a[1:] < b[1:] else 1

    def sort(self, entries: list[tuple[Keyset, T]]) -> None:
        """Sort ``(keyset, item)`` entries in place, in this order (agrees with compare)."""
        entries.sort(key=lambda e: e[0][1:])  # the tie-breakers, ascending
        for i in reversed(range(len(self.keys))):
            # Stable passes from the last key to the first; nulls last in both directions.
            desc = self.keys[i][1] is Direction.DESC
            entries.sort(key=_by(i, desc), reverse=desc)


def _by(i: int, desc: bool) -> Callable[[tuple[Keyset, Any]], tuple[bool, Any]]:
    """The sort key of the ``i``-th value: nulls after the values, in either direction."""

    def part(entry: tuple[Keyset, Any]) -> tuple[bool, Any]:
        value = entry[0][0][i]
        return (not desc, 0) if value is None else (desc, value)

    return part


def order_of(
    table: dict[str, SortKey[T]], requested: Sequence[tuple[str, Direction]]
) -> Order[T] | None:
    """The order for ``requested`` (field name, direction) pairs; None when empty (the
    list keeps its unsorted order). A field named twice is a ValueError."""
    names = [name for name, _ in requested]
    if len(set(names)) != len(names):
        raise ValueError("orderBy names a field more than once")
    if not requested:
        return None
    return Order(tuple((table[name], direction) for name, direction in requested))


Compare = Callable[[Keyset, Keyset], int]


def first_after(entries: Sequence[tuple[Keyset, Any]], bound: Keyset, cmp: Compare) -> int:
    """Index of the first of ``entries`` (sorted by ``cmp``) that sorts after ``bound``."""
    lo, hi = 0, len(entries)
    while lo < hi:
        mid = (lo + hi) // 2
        if cmp(entries[mid][0], bound) <= 0:
            lo = mid + 1
        else:
            hi = mid
    return lo


def first_from(entries: Sequence[tuple[Keyset, Any]], bound: Keyset, cmp: Compare) -> int:
    """Index of the first of ``entries`` (sorted by ``cmp``) not sorting before ``bound``."""
    lo, hi = 0, len(entries)
    while lo < hi:
        mid = (lo + hi) // 2
        if cmp(entries[mid][0], bound) < 0:
            lo = mid + 1
        else:
            hi = mid
    return lo


__all__ = [
    "ASSISTANT_KEYS",
    "NUMBER_KEYS",
    "Compare",
    "Direction",
    "Keyset",
    "Order",
    "SortKey",
    "Value",
    "first_after",
    "first_from",
    "order_of",
]
