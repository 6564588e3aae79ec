"""Pages of an upstream list: how to ask for one, what comes back, and how to walk them all.

Shared by the planner (``pagination.py``), the loaders and every adapter, so it lives
above the provider layer: nothing here knows a provider.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

from .errors import UpstreamError
from .model import NumberStatus

T = TypeVar("T")

# What a connection returns when the client passes neither first nor last.
DEFAULT_PAGE_SIZE: Final = 20


class Pagination(enum.StrEnum):
    """How an upstream list endpoint pages."""

    NONE = "NONE"  # one response holds the whole list
    OFFSET = "OFFSET"  # limit + offset (or page number + size), random access
    CURSOR = "CURSOR"  # opaque next-cursor, forward only


@dataclass(frozen=True, slots=True)
class ByCreation:
    """A list read in creation order from a bound, from upstreams that sort natively
    (``AdapterInfo.sorts_by_creation``): newest first if ``newest_first``, and only the
    items created at or after ``bound`` (at or before it, newest first)."""

    newest_first: bool
    bound: datetime | None = None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One upstream page to fetch.

    ``offset`` is used by OFFSET upstreams, ``cursor`` by CURSOR upstreams (``None`` means
    the first page); NONE upstreams ignore both and return everything. ``by_creation``:
    the page of the list in that order and from that bound (sorted lists, gateway/
    sorted_window.py), only where the adapter says it sorts so.
    """

    limit: int
    offset: int = 0
    cursor: str | None = None
    by_creation: ByCreation | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    # Size of the whole (natively filtered) list when the upstream reports it.
    total: int | None = None
    # CURSOR upstreams: the token of the next page, ``None`` at the end.
    next_cursor: str | None = None
    # Parts of the list that failed while the rest answered (Teli's two number endpoints):
    # ``items`` hold what could be had, these say what is missing.
    partial: tuple[UpstreamError, ...] = ()


@dataclass(frozen=True, slots=True)
class NumberFilter:
    """Filters an adapter may apply upstream. What it cannot apply, the gateway applies."""

    status: NumberStatus | None = None


def next_page(pagination: Pagination, request: PageRequest, page: Page[Any]) -> PageRequest | None:
    """The request for the page after ``page``, or ``None`` when ``page`` was the last."""
    if pagination is Pagination.NONE or not page.items:
        return None
    if pagination is Pagination.CURSOR:
        return (
            PageRequest(limit=request.limit, cursor=page.next_cursor) if page.next_cursor else None
        )
    offset = request.offset + len(page.items)
    if page.total is not None and offset >= page.total:
        return None
    if page.total is None and len(page.items) < request.limit:
        return None  # an offset upstream that reports no total: a short page is the last
    return PageRequest(limit=request.limit, offset=offset)


@dataclass(frozen=True, slots=True)
class Collected(Generic[T]):
    """A whole upstream list, and the errors of the parts of it that could not be read."""

    items: list[T]
    partial: tuple[UpstreamError, ...] = ()


async def collect(
    fetch: Callable[[PageRequest], Awaitable[Page[T]]],
    pagination: Pagination,
    limit: int,
    first: Awaitable[Page[T]] | None = None,
) -> Collected[T]:
    """Every item of an upstream list, page by page, with the pages' partial errors;
    ``first``, when given, is the first page (``PageRequest(limit=limit)``) already asked."""
    items: list[T] = []
    partial: list[UpstreamError] = []
    request: PageRequest | None = PageRequest(limit=limit)
    while request is not None:
        page = await (fetch(request) if first is None else first)
        first = None
        items.extend(page.items)
        partial.extend(e for e in page.partial if e not in partial)
        request = next_page(pagination, request, page)
    return Collected(items, tuple(partial))


async def collect_all(
    fetch: Callable[[PageRequest], Awaitable[Page[T]]], pagination: Pagination, limit: int
) -> list[T]:
    """Every item of an upstream list, page by page."""
    return (await collect(fetch, pagination, limit)).items


__all__ = [
    "DEFAULT_PAGE_SIZE",
    "ByCreation",
    "Collected",
    "NumberFilter",
    "Page",
    "PageRequest",
    "Pagination",
    "collect",
    "collect_all",
    "next_page",
]
