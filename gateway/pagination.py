"""Relay ``first/after/last/before`` over several upstream lists at once.

The gateway's list is the concatenation of each selected provider's list, in provider
order, each in its upstream's own order (natively filtered, then filtered here). A
:class:`Source` reads one provider forwards or backwards a page at a time, whatever
its upstream pagination; :func:`paginate` asks the sources it still needs in parallel
rounds until it holds one item more than the page, which also answers ``hasNextPage``
(or ``hasPreviousPage``) without guessing.

Backwards on a CURSOR upstream has no cheap method: the source walks forward from the
start to the ``before`` position (pages are cached per request), the cost the README
states.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .cursors import Position
from .errors import UpstreamError
from .providers.base import Page, PageRequest, Pagination

T = TypeVar("T")
Entry = tuple[Position, T]


@dataclass
class Source(Generic[T]):
    """One provider's list, as this query sees it."""

    slot: int  # the provider's index in the query's provider order
    pagination: Pagination
    page_size: int
    fetch: Callable[[PageRequest], Awaitable[Page[T]]]
    keep: Callable[[T], bool] | None = None  # the filters the upstream does not apply

    def _entries(self, page: Page[T], start: int, token: str | None) -> list[Entry[T]]:
        return [
            (Position(self.slot, start + i, token, start), item)
            for i, item in enumerate(page.items)
            if self.keep is None or self.keep(item)
        ]

    async def forward(self, after: Position | None) -> AsyncIterator[list[Entry[T]]]:
        """Chunks of entries after ``after`` (from the start if None), one upstream page each."""
        first = 0 if after is None else after.index + 1
        if self.pagination is Pagination.CURSOR:
            token, start = (after.token, after.page_start) if after else (None, 0)
            while True:
                page = await self.fetch(PageRequest(limit=self.page_size, cursor=token))
                yield [e for e in self._entries(page, start, token) if e[0].index >= first]
                if not page.next_cursor or not page.items:
                    return
                token, start = page.next_cursor, start + len(page.items)
        elif self.pagination is Pagination.NONE:
            page = await self.fetch(PageRequest(limit=self.page_size))
            yield [e for e in self._entries(page, 0, None) if e[0].index >= first]
        else:
            offset = first - first % self.page_size  # aligned pages share cache entries
            while True:
                page = await self.fetch(PageRequest(limit=self.page_size, offset=offset))
                yield [e for e in self._entries(page, offset, None) if e[0].index >= first]
                offset += len(page.items)
                if len(page.items) < self.page_size or (
                    page.total is not None and offset >= page.total
                ):
                    return

    async def backward(self, before: Position | None) -> AsyncIterator[list[Entry[T]]]:
        """Chunks of entries before ``before`` (from the end if None), last chunk first."""
        end = before.index if before is not None else None
        if self.pagination is not Pagination.OFFSET:
            # NONE: one fetch anyway. CURSOR: forward-only upstream, walk from the start.
            entries: list[Entry[T]] = []
            async for chunk in self.forward(None):
                entries.extend(e for e in chunk if end is None or e[0].index < end)
                if end is not None and chunk and chunk[-1][0].index >= end - 1:
                    break
            yield entries
            return
        if end is None:
            head = await self.fetch(PageRequest(limit=self.page_size, offset=0))
            end = head.total if head.total is not None else await self._scan_length()
        offset = (end - 1) - (end - 1) % self.page_size if end > 0 else -1
        while offset >= 0:
            page = await self.fetch(PageRequest(limit=self.page_size, offset=offset))
            yield [e for e in self._entries(page, offset, None) if e[0].index < end]
            offset -= self.page_size

    async def _scan_length(self) -> int:
        length = 0
        async for chunk in self.forward(None):
            length = chunk[-1][0].index + 1 if chunk else length
        return length

    async def count(self) -> int:
        """Items in the list; reads only the first page where the upstream reports a total."""
        if self.keep is None:  # the first page, whatever the pagination, is offset 0 / no cursor
            page = await self.fetch(PageRequest(limit=self.page_size))
            if page.total is not None:
                return page.total
        total = 0
        async for chunk in self.forward(None):
            total += len(chunk)
        return total


@dataclass
class Window(Generic[T]):
    entries: list[Entry[T]]
    has_previous: bool
    has_next: bool


OnError = Callable[[UpstreamError], None]


async def _collect(
    streams: list[AsyncIterator[list[Entry[T]]]],
    needed: int,
    on_error: OnError,
    within: Callable[[Position], bool],
) -> list[Entry[T]]:
    """Entries from ``streams``, in order, until the first ``needed`` of them are certain."""
    buffers: list[list[Entry[T]]] = [[] for _ in streams]
    done = [False] * len(streams)

    async def pull(k: int) -> None:
        try:
            chunk = await anext(streams[k])
        except StopAsyncIteration:
            done[k] = True
            return
        except UpstreamError as exc:  # partial data: this provider contributes nothing more
            on_error(exc)
            done[k] = True
            return
        kept = [e for e in chunk if within(e[0])]
        buffers[k].extend(kept)
        if len(kept) < len(chunk):
            done[k] = True  # reached the other bound of the window

    while True:
        prefix, wanted = 0, []
        for k in range(len(streams)):
            if prefix >= needed:
                break
            if not done[k]:
                wanted.append(k)
            prefix += len(buffers[k])
        # Complete when the providers before the first unfinished one already fill the page.
        first_open = next((k for k in range(len(streams)) if not done[k]), None)
        ready = sum(len(b) for b in buffers[: (first_open + 1) if first_open is not None else None])
        if first_open is None or ready >= needed or not wanted:
            break
        await asyncio.gather(*(pull(k) for k in wanted))
    for stream in streams:
        await stream.aclose()  # type: ignore[attr-defined]
    return [e for b in buffers for e in b][:needed]


async def paginate(
    sources: list[Source[T]],
    *,
    first: int | None,
    after: Position | None,
    last: int | None,
    before: Position | None,
    on_error: OnError,
) -> Window[T]:
    """The Relay window of the concatenated sources."""

    def key(p: Position) -> tuple[int, int]:
        return (p.provider, p.index)

    if last is None:
        count = first if first is not None else 0
        start = after.provider if after else 0
        streams = [
            s.forward(after if after and s.slot == after.provider else None)
            for s in sources
            if s.slot >= start
        ]

        def within_fwd(p: Position) -> bool:
            return before is None or key(p) < key(before)

        entries = await _collect(streams, count + 1, on_error, within_fwd)
        return Window(
            entries[:count], has_previous=after is not None, has_next=len(entries) > count
        )

    stop = before.provider if before else len(sources)
    streams = [
        _reversed(s.backward(before if before and s.slot == before.provider else None))
        for s in reversed(sources)
        if s.slot <= stop
    ]

    def within_back(p: Position) -> bool:
        return after is None or key(p) > key(after)

    entries = await _collect(streams, last + 1, on_error, within_back)
    window = list(reversed(entries[:last]))
    return Window(window, has_previous=len(entries) > last, has_next=before is not None)


async def _reversed(chunks: AsyncIterator[list[Entry[T]]]) -> AsyncIterator[list[Entry[T]]]:
    async for chunk in chunks:
        yield list(reversed(chunk))
