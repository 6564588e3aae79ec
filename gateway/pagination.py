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
from typing import Any, Generic, NamedTuple, TypeVar

from .cursors import Cursor, Owed, Position
from .errors import UpstreamError
from .list_lengths import RememberedLength
from .paging import Page, PageRequest, Pagination

T = TypeVar("T")
Entry = tuple[Position, T]


class Chunk(NamedTuple, Generic[T]):
    """The entries of one upstream page; ``last``: the list (read in full) ends with it."""

    entries: list[Entry[T]]
    last: bool = False


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
    # What the runtime remembers of the (natively filtered) list's length: a hint for
    # planning, learned from every page that shows it (gateway/list_lengths.py).
    length: RememberedLength | None = None

    def _entries(self, page: Page[T], start: int, token: str | None) -> list[Entry[T]]:
        return [
            (Position(self.slot, start + i, token, start), item)
            for i, item in enumerate(page.items)
            if self.keep is None or self.keep(item)
        ]

    def _learn(self, page: Page[T], end: int | None) -> None:
        """Remember the list's length: the page's total, or ``end`` where the page ended
        the list. A page with parts missing shows no length."""
        if self.length is None or page.partial:
            return
        if page.total is not None:
            self.length.learn(page.total)
        elif end is not None:
            self.length.learn(end)

    def remaining_after(self, after: Position | None, *, guess: bool = False) -> int | None:
        """Items after ``after`` by the remembered length; None when unknown, or when the
        gateway filters the list (the length then only bounds them). ``guess``: by the
        last length learned, however old (planning only, gateway/list_lengths.py)."""
        if self.length is None or self.keep is not None:
            return None
        known = self.length.guess() if guess else self.length.get()
        if known is None:
            return None
        return max(known - (0 if after is None else after.index + 1), 0)

    def remaining_before(self, before: Position | None, *, guess: bool = False) -> int | None:
        """Items before ``before`` (from the end if None), as :meth:`remaining_after`."""
        if before is None:
            return self.remaining_after(None, guess=guess)
        return max(before.index, 0) if self.keep is None else None

    async def forward(self, after: Position | None) -> AsyncIterator[Chunk[T]]:
        """Chunks of entries after ``after`` (from the start if None), one upstream page each."""
        first = 0 if after is None else after.index + 1
        if self.pagination is Pagination.CURSOR:
            token, start = (after.token, after.page_start) if after else (None, 0)
            while True:
                page = await self.fetch(PageRequest(limit=self.page_size, cursor=token))
                ended = not page.next_cursor or not page.items
                self._learn(page, start + len(page.items) if ended else None)
                entries = [e for e in self._entries(page, start, token) if e[0].index >= first]
                yield Chunk(entries, ended and not page.partial)
                if ended:
                    return
                token, start = page.next_cursor, start + len(page.items)
        elif self.pagination is Pagination.NONE:
            page = await self.fetch(PageRequest(limit=self.page_size))
            self._learn(page, len(page.items))
            entries = [e for e in self._entries(page, 0, None) if e[0].index >= first]
            yield Chunk(entries, not page.partial)
        else:
            offset = first - first % self.page_size  # aligned pages share cache entries
            while True:
                page = await self.fetch(PageRequest(limit=self.page_size, offset=offset))
                entries = [e for e in self._entries(page, offset, None) if e[0].index >= first]
                offset += len(page.items)
                ended = list_ended(page, self.page_size, offset)
                self._learn(page, offset if ended else None)
                yield Chunk(entries, ended and not page.partial)
                if ended:
                    return

    async def backward(self, before: Position | None) -> AsyncIterator[Chunk[T]]:
        """Chunks of entries before ``before`` (from the end if None), last chunk first."""
        end = before.index if before is not None else None
        if self.pagination is not Pagination.OFFSET:
            # NONE: one fetch anyway. CURSOR: forward-only upstream, walk from the start.
            entries: list[Entry[T]] = []
            async for chunk in self.forward(None):
                entries.extend(e for e in chunk.entries if end is None or e[0].index < end)
                if end is not None and chunk.entries and chunk.entries[-1][0].index >= end - 1:
                    break
            yield Chunk(entries)
            return
        if end is None:
            head = await self.fetch(PageRequest(limit=self.page_size, offset=0))
            self._learn(head, None)
            end = head.total if head.total is not None else await self._scan_length()
        offset = (end - 1) - (end - 1) % self.page_size if end > 0 else -1
        while offset >= 0:
            yield Chunk([e for e in await self._span(offset, end) if e[0].index < end])
            offset -= self.page_size

    async def _span(self, offset: int, end: int) -> list[Entry[T]]:
        """The aligned page at ``offset`` (up to ``end``), in as many calls as a capping
        upstream needs: a short page is followed from where it stopped, so backward pages
        lose nothing either."""
        entries: list[Entry[T]] = []
        at, stop = offset, min(offset + self.page_size, end)
        while at < stop:
            page = await self.fetch(PageRequest(limit=self.page_size, offset=at))
            self._learn(page, None)
            entries += self._entries(page, at, None)
            at += len(page.items)
            if not page.items or (page.total is not None and at >= page.total):
                break
        return entries

    async def _scan_length(self) -> int:
        length = 0
        async for chunk in self.forward(None):
            length = chunk.entries[-1][0].index + 1 if chunk.entries else length
        return length

    async def count(self) -> int:
        """Items in the list; reads only the first page where the upstream reports a total."""
        if self.keep is None:  # the first page, whatever the pagination, is offset 0 / no cursor
            page = await self.fetch(PageRequest(limit=self.page_size))
            self._learn(page, len(page.items) if self.pagination is Pagination.NONE else None)
            if page.total is not None:
                return page.total
        total = 0
        async for chunk in self.forward(None):
            total += len(chunk.entries)
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
    stream: AsyncIterator[Chunk[T]]
    # Items the lane holds in the window by the remembered length (None: unknown).
    expect: int | None = None
    entries: list[Entry[T]] = field(default_factory=list)
    done: bool = False
    # Read to the end of the provider's list: nothing of it follows the last entry.
    exhausted: bool = False
    error: UpstreamError | None = None
    # Planning only, while the page's guesses hold (:func:`_plan`): the items the lane
    # holds in the window by the last length learned, however old (None: never learned),
    # and one upstream page, what a list never seen is assumed to hold beyond what it showed.
    guess: int | None = None
    page: int = 0

    def hinted(self) -> int:
        """Entries the lane will hold: what it read, or more where a length says so."""
        if self.done or self.expect is None:
            return len(self.entries)
        return max(len(self.entries), self.expect)

    def guessed(self) -> int:
        """:meth:`hinted`, else by the old length, else one more upstream page."""
        if self.done or self.expect is not None:
            return self.hinted()
        if self.guess is not None:
            return max(len(self.entries), self.guess)
        return len(self.entries) + self.page


def _plan(
    lanes: list[_Lane[T]], needed: int, guessing: bool, probing: bool
) -> tuple[list[_Lane[T]], _Lane[T] | None]:
    """The lanes the next round asks, in parallel, and which of them is the probe.

    Every unfinished lane up to where the page is full, each counted at its remembered
    length. A list of unknown length counts as nothing, so every one of them is asked at
    once (one round) -- unless ``guessing``: then it counts as one more upstream page, so
    a page its first list fills asks that list alone, as it would with lengths known.

    The last of the ``needed`` only answers "is there more". A remembered length after
    the page answers it with no read. Else, while ``probing``, the probe: one read of the
    farthest unfinished list, whose length, remembered, then answers it for every later
    page that ends before that list too (the next list's read would answer it once).
    Else every unfinished list up to one whose length answers it.
    """
    prefix = 0
    wanted: list[_Lane[T]] = []
    for k, lane in enumerate(lanes):
        if prefix >= needed:
            break
        if not lane.done:
            if prefix == needed - 1:
                rest = lanes[k:]
                if sum(x.hinted() for x in rest) > len(lane.entries):
                    break  # a remembered length answers it
                if probing:
                    probe = next(x for x in reversed(rest) if not x.done)
                    return [*wanted, probe], probe
            wanted.append(lane)
        prefix += lane.guessed() if guessing else lane.hinted()
    return wanted, None


async def _collect(lanes: list[_Lane[T]], needed: int, within: Callable[[Position], bool]) -> bool:
    """Fill the lanes' entries, in order, until the first ``needed`` of them are certain.

    Rounds ask what :func:`_plan` says, guessing while every guess held: once a list
    ended shorter than its guess (or failed), the lanes the page may still reach are all
    asked at once, and so are the lanes left to answer "is there more" once a probe came
    back empty. A page of lists of unknown length thus takes two rounds at most beyond
    its lists' own pages, and one more where the probe found the farthest list empty.
    Items only ever come from reads, so a length or a guess that turned out wrong costs
    a round, never an item. Where a remembered length answers "is there more", the
    result is True.

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
        kept = [e for e in chunk.entries if within(e[0])]
        lane.entries.extend(kept)
        if len(kept) < len(chunk.entries):
            lane.done = True  # reached the other bound of the window
        elif chunk.last:
            lane.done = lane.exhausted = True

    hinted_more, guessing, probing = False, True, True
    while True:
        # Certain: the entries of the lanes up to the first unfinished one, in order.
        first_open = next((k for k, lane in enumerate(lanes) if not lane.done), len(lanes))
        certain = sum(len(x.entries) for x in lanes[: first_open + 1])
        if first_open == len(lanes) or certain >= needed:
            break
        beyond = sum(x.hinted() for x in lanes[first_open:]) - len(lanes[first_open].entries)
        if certain == needed - 1 and beyond > 0:
            hinted_more = True
            break
        wanted, probe = _plan(lanes, needed, guessing, probing)
        if not wanted:
            break
        guesses = [(x, x.guessed()) for x in wanted if x is not probe]
        await asyncio.gather(*(pull(lane) for lane in wanted))
        if any(x.done and len(x.entries) < guess for x, guess in guesses):
            guessing = False
        if probe is not None and not probe.entries:
            probing = False  # the farthest list is empty: ask the others at once
    for lane in lanes:
        await lane.stream.aclose()  # type: ignore[attr-defined]
    return hinted_more


def _slot(owed: Owed) -> int:
    return owed.slot


def _cursors(
    lanes: list[_Lane[T]], reached: Position | None, backward: bool, sources: int, needed: int
) -> list[tuple[Cursor, T]]:
    """The first ``needed`` entries, each with the traversal's state after it: the lanes
    that failed before it (and the owed lanes after it) are still owed, with where each
    resumes.

    After the last item of a lane read to its end, nothing of that provider is left:
    an owed provider is no longer owed, and a forward traversal goes on at the next
    provider's start, so the next page does not read this one again to find it empty.
    """
    out: list[tuple[Cursor, T]] = []
    passed: list[Owed] = []  # failed lanes before the current one
    for k, lane in enumerate(lanes):
        if len(out) >= needed:
            break
        later = [Owed(x.slot, x.resume) for x in lanes[k + 1 :] if x.owed]
        last = lane.entries[-1][0] if lane.exhausted and lane.entries else None
        # what every entry of this lane owes beside itself (all of it, mostly nothing)
        others = tuple(sorted([*passed, *later], key=_slot))
        frontier = reached if lane.owed else None
        for pos, item in lane.entries[: needed - len(out)]:
            ended = pos is last and not backward
            owed = others
            if lane.owed and not ended:
                owed = tuple(sorted([*others, Owed(lane.slot, pos)], key=_slot))
            if ended and not lane.owed and lane.slot + 1 < sources:
                # before the next provider's first item
                out.append((Cursor(pos, Position(lane.slot + 1, -1), owed, backward), item))
            else:
                out.append((Cursor(pos, frontier, owed, backward), item))
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
    sources: int,
) -> tuple[list[tuple[Cursor, T]], list[UpstreamError], bool]:
    """The first ``needed`` entries of the lanes with their cursors, the failures that
    cost them items (each reported through ``on_error``) and whether a remembered length
    says more follow them; forward and backward alike."""
    hinted_more = await _collect(lanes, needed, within)
    cut = _cut(lanes, needed)
    for error in cut:
        on_error(error)
    return _cursors(lanes, reached, backward, sources, needed), cut, hinted_more


def _lane(
    slot: int,
    source: Source[T],
    resume: Position | None,
    owes: bool,
    stream: AsyncIterator[Chunk[T]],
    remaining: Callable[..., int | None] | None,
) -> _Lane[T]:
    """The lane of ``source`` (at ``slot``), resuming at ``resume``. ``remaining``, the
    source's ``remaining_after`` or ``remaining_before`` (None past the window's far
    bound), gives its remembered length, or else the old one as its guess."""
    expect = guess = None
    if remaining is not None:
        expect = remaining(resume)
        if expect is None:  # a known length is the plan's count: no guess needed
            guess = remaining(resume, guess=True)
    return _Lane(slot, resume, owes, stream, expect, guess=guess, page=source.page_size)


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
        return c.resume(backward) if c is not None else (None, ())

    if last is None:
        count = first if first is not None else 0
        reached, owed = state(after, False)
        bound = before.position.provider if before is not None else len(sources)

        def ahead(slot: int, resume: Position | None, owes: bool) -> _Lane[T]:
            source = sources[slot]
            remaining = source.remaining_after if slot < bound else None
            return _lane(slot, source, resume, owes, source.forward(resume), remaining)

        lanes = [ahead(o.slot, o.resume, True) for o in owed]
        start = reached.provider if reached else 0
        for s in sources[start : bound + 1]:  # none past ``before``: it holds nothing
            lanes.append(ahead(s.slot, reached if reached and s.slot == start else None, False))

        def within_fwd(p: Position) -> bool:
            return before is None or key(p) < key(before.position)

        entries, cut, more = await _read(
            lanes, count + 1, within_fwd, reached, False, on_error, len(sources)
        )
        return Window(
            entries[:count],
            has_previous=after is not None,
            has_next=len(entries) > count or bool(cut) or more,
            stalled=bool(cut) and not entries,
        )

    reached, owed = state(before, True)
    floor = after.position.provider if after is not None else -1

    def behind(slot: int, resume: Position | None, owes: bool) -> _Lane[T]:
        source = sources[slot]
        remaining = source.remaining_before if slot > floor else None
        return _lane(slot, source, resume, owes, _reversed(source.backward(resume)), remaining)

    lanes = [behind(o.slot, o.resume, True) for o in sorted(owed, key=lambda o: -o.slot)]
    stop = reached.provider if reached else len(sources) - 1
    for s in reversed(sources[max(floor, 0) : stop + 1]):  # none before ``after``
        lanes.append(behind(s.slot, reached if reached and s.slot == stop else None, False))

    def within_back(p: Position) -> bool:
        return after is None or key(p) > key(after.position)

    entries, cut, more = await _read(
        lanes, last + 1, within_back, reached, True, on_error, len(sources)
    )
    return Window(
        list(reversed(entries[:last])),
        has_previous=len(entries) > last or bool(cut) or more,
        has_next=before is not None,
        stalled=bool(cut) and not entries,
    )


async def _reversed(chunks: AsyncIterator[Chunk[T]]) -> AsyncIterator[Chunk[T]]:
    async for chunk in chunks:
        yield Chunk(list(reversed(chunk.entries)), chunk.last)


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
