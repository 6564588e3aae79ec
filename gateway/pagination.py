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

A limit/offset upstream may answer fewer items than asked though more exist (a page-size
cap it does not publish, or one below ours). So a short page never ends a list on its own:
where the upstream reports a total, pages follow until the total (or an empty page);
where it does not, a short page ends the list unless its length looks like such a cap
(:func:`plausible_cap`), and then one more page is asked, whose emptiness ends it. The
rule is :func:`list_ended`; adapters that fill a request in several calls use it too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .cursors import Cursor, Owed, Position
from .errors import UpstreamError
from .paging import Page, PageRequest, Pagination

T = TypeVar("T")
Entry = tuple[Position, T]


# Page sizes an upstream plausibly caps at without saying so: round numbers.
_CAP_STEPS = (10, 25)


def plausible_cap(size: int) -> bool:
    """Whether a short page of ``size`` items may be a silent page-size cap, not the end.

    Caps are round numbers (10, 20, 25, 50, 100, 250, 1000, ...); a list's last page is
    rarely one. Guessing "cap" costs one extra (empty) page at the end of such a list;
    guessing "end" would hide the rest of the list, so any round size counts as a cap.
    """
    return size > 0 and any(size % step == 0 for step in _CAP_STEPS)


def list_ended(page: Page[Any], asked: int, offset: int) -> bool:
    """Whether a limit/offset list ends after ``page`` (``offset``: where the next page
    would start). An empty page ends it; a reported total decides when there is one;
    without one, a short page ends it unless its length is a :func:`plausible_cap`."""
    if not page.items:
        return True
    if page.total is not None:
        return offset >= page.total
    return len(page.items) < asked and not plausible_cap(len(page.items))


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
                if list_ended(page, self.page_size, offset):
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
            yield [e for e in await self._span(offset, end) if e[0].index < end]
            offset -= self.page_size

    async def _span(self, offset: int, end: int) -> list[Entry[T]]:
        """The aligned page at ``offset`` (up to ``end``), in as many calls as a capping
        upstream needs: a short page is followed from where it stopped, so backward pages
        lose nothing either."""
        entries: list[Entry[T]] = []
        at, stop = offset, min(offset + self.page_size, end)
        while at < stop:
            page = await self.fetch(PageRequest(limit=self.page_size, offset=at))
            entries += self._entries(page, at, None)
            at += len(page.items)
            if not page.items or (page.total is not None and at >= page.total):
                break
        return entries

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
    entries: list[tuple[Cursor, T]]
    has_previous: bool
    has_next: bool
    # Empty because a provider failed before any item: continue from the same cursor.
    stalled: bool = False


OnError = Callable[[UpstreamError], None]


@dataclass
class _Lane(Generic[T]):
    """One provider's part of a page: where it resumes and whether the cursor owed it."""

    slot: int
    resume: Position | None
    owed: bool
    stream: AsyncIterator[list[Entry[T]]]
    entries: list[Entry[T]] = field(default_factory=list)
    done: bool = False
    error: UpstreamError | None = None


async def _collect(lanes: list[_Lane[T]], needed: int, within: Callable[[Position], bool]) -> None:
    """Fill the lanes' entries, in order, until the first ``needed`` of them are certain.

    A lane whose upstream fails keeps the entries it got before the failure and its
    error; the page goes on with the next lanes (the cursor remembers what it owes).
    """

    async def pull(lane: _Lane[T]) -> None:
        try:
            chunk = await anext(lane.stream)
        except StopAsyncIteration:
            lane.done = True
            return
        except UpstreamError as exc:
            lane.error, lane.done = exc, True
            return
        kept = [e for e in chunk if within(e[0])]
        lane.entries.extend(kept)
        if len(kept) < len(chunk):
            lane.done = True  # reached the other bound of the window

    while True:
        prefix, wanted = 0, []
        for lane in lanes:
            if prefix >= needed:
                break
            if not lane.done:
                wanted.append(lane)
            prefix += len(lane.entries)
        # Complete when the lanes before the first unfinished one already fill the page.
        first_open = next((k for k, lane in enumerate(lanes) if not lane.done), None)
        upto = lanes[: first_open + 1] if first_open is not None else lanes
        if first_open is None or sum(len(x.entries) for x in upto) >= needed or not wanted:
            break
        await asyncio.gather(*(pull(lane) for lane in wanted))
    for lane in lanes:
        await lane.stream.aclose()  # type: ignore[attr-defined]


def _cursors(
    lanes: list[_Lane[T]], reached: Position | None, backward: bool
) -> list[tuple[Cursor, T]]:
    """Every entry with the traversal's state after it: the lanes that failed before it
    (and the owed lanes after it) are still owed, with where each resumes."""
    out: list[tuple[Cursor, T]] = []
    passed: list[Owed] = []  # failed lanes before the current one
    for k, lane in enumerate(lanes):
        later = [Owed(x.slot, x.resume) for x in lanes[k + 1 :] if x.owed]
        for pos, item in lane.entries:
            owed = [*passed, *([Owed(lane.slot, pos)] if lane.owed else []), *later]
            frontier = reached if lane.owed else None
            owed.sort(key=lambda o: o.slot)
            out.append((Cursor(pos, frontier, tuple(owed), backward), item))
        if lane.error is not None:
            passed.append(Owed(lane.slot, lane.entries[-1][0] if lane.entries else lane.resume))
    return out


def _cut(lanes: list[_Lane[T]], needed: int) -> list[UpstreamError]:
    """The failures that cost the page items: a lane that failed before the page (one item
    beyond it included) was full. Failures past a full page changed nothing."""
    errors, before = [], 0
    for lane in lanes:
        before += len(lane.entries)
        if lane.error is not None and before < needed:
            errors.append(lane.error)
        if before >= needed:
            break
    return errors


async def _read(
    lanes: list[_Lane[T]],
    needed: int,
    within: Callable[[Position], bool],
    reached: Position | None,
    backward: bool,
    on_error: OnError,
) -> tuple[list[tuple[Cursor, T]], list[UpstreamError]]:
    """The first ``needed`` entries of the lanes with their cursors, and the failures that
    cost them items (each reported through ``on_error``); forward and backward alike."""
    await _collect(lanes, needed, within)
    cut = _cut(lanes, needed)
    for error in cut:
        on_error(error)
    return _cursors(lanes, reached, backward=backward)[:needed], cut


async def paginate(
    sources: list[Source[T]],
    *,
    first: int | None,
    after: Cursor | None,
    last: int | None,
    before: Cursor | None,
    on_error: OnError,
) -> Window[T]:
    """The Relay window of the concatenated sources.

    A provider that fails is skipped, and every cursor after it owes it: the next page
    (in the same direction) asks it again first, from where it stopped, before going on
    from the frontier. So a traversal sees each item once however an outage falls, and
    in the canonical order whenever nothing failed.
    """

    def key(p: Position) -> tuple[int, int]:
        return (p.provider, p.index)

    def state(c: Cursor | None, backward: bool) -> tuple[Position | None, tuple[Owed, ...]]:
        if c is None:
            return None, ()
        if c.backward is not backward:  # used the other way: only its own place counts
            return c.position, ()
        return c.reached, c.owed

    if last is None:
        count = first if first is not None else 0
        reached, owed = state(after, False)
        lanes = [_Lane(o.slot, o.resume, True, sources[o.slot].forward(o.resume)) for o in owed]
        start = reached.provider if reached else 0
        for s in sources[start:]:
            resume = reached if reached and s.slot == reached.provider else None
            lanes.append(_Lane(s.slot, resume, False, s.forward(resume)))

        def within_fwd(p: Position) -> bool:
            return before is None or key(p) < key(before.position)

        entries, cut = await _read(lanes, count + 1, within_fwd, reached, False, on_error)
        return Window(
            entries[:count],
            has_previous=after is not None,
            has_next=len(entries) > count or bool(cut),
            stalled=bool(cut) and not entries,
        )

    reached, owed = state(before, True)
    lanes = [
        _Lane(o.slot, o.resume, True, _reversed(sources[o.slot].backward(o.resume)))
        for o in sorted(owed, key=lambda o: -o.slot)
    ]
    stop = reached.provider if reached else len(sources) - 1
    for s in reversed(sources[: stop + 1]):
        resume = reached if reached and s.slot == reached.provider else None
        lanes.append(_Lane(s.slot, resume, False, _reversed(s.backward(resume))))

    def within_back(p: Position) -> bool:
        return after is None or key(p) > key(after.position)

    entries, cut = await _read(lanes, last + 1, within_back, reached, True, on_error)
    return Window(
        list(reversed(entries[:last])),
        has_previous=len(entries) > last or bool(cut),
        has_next=before is not None,
        stalled=bool(cut) and not entries,
    )


async def _reversed(chunks: AsyncIterator[list[Entry[T]]]) -> AsyncIterator[list[Entry[T]]]:
    async for chunk in chunks:
        yield list(reversed(chunk))


async def fill(
    fetch: Callable[[PageRequest], Awaitable[Page[T]]], request: PageRequest, max_batch: int
) -> Page[T]:
    """``request`` answered from a limit/offset upstream in as many calls as it takes.

    For upstreams that may report no total (or cap pages silently): a short batch is
    followed from where it stopped unless :func:`list_ended` says the list is over, and
    then the page carries the total that end implies, so no caller pages past it again.
    A page filled to ``request.limit`` carries the upstream's total, or none.
    """
    items: list[T] = []
    while True:
        want = min(request.limit - len(items), max_batch)
        page = await fetch(PageRequest(limit=want, offset=request.offset + len(items)))
        items += page.items
        at = request.offset + len(items)
        if page.total is not None:
            return Page(items, total=page.total)
        if list_ended(page, want, at):
            return Page(items, total=at)
        if len(items) >= request.limit:
            return Page(items)
