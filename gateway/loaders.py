"""Per-request dataloaders: every upstream read of a GraphQL request goes through here.

Created fresh for each request, so nothing leaks between requests or tenants. The page
loader deduplicates identical upstream page requests; the entity loaders turn N lookups
into one scan of each provider's list (a handful of pages), never N calls.

A lookup answers as the provider's documented list would, whatever the batch size: a
single assistant may be read from the get-one endpoint, but where that endpoint says
"no such assistant" the list decides (``lookup_assistant``). An assistant a number embeds
(Burki, Flireo) is taken from the number itself. What a provider cannot answer is an
error naming it, never a silent ``None``.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from aiodataloader import DataLoader

from .errors import DanglingLink, UpstreamError
from .made_once import MadeOnce, process_wide
from .model import (
    Assistant,
    AssistantRef,
    NumberStatus,
    PhoneNumber,
    ProviderName,
    routed_assistant_ids,
)
from .paging import Collected, NumberFilter, Page, PageRequest, Pagination, collect
from .providers.base import lookup_assistant
from .runtime import Runtime

# The assistant a named reference embeds (id, name, active; only named ones are primed):
# one record per reference in use, so its GraphQL object is made once too (made_once.py).
_EMBEDDED: MadeOnce[AssistantRef, Assistant] = process_wide(
    MadeOnce(lambda ref: Assistant(ref.provider, ref.native_id, ref.name or "", active=ref.active))
)

K = TypeVar("K")
V = TypeVar("V")

Kind = Literal["numbers", "assistants"]
NO_FILTER = NumberFilter()


def _linked(kind: Kind) -> Kind:
    """The list the items of ``kind`` link to (what its look-ahead reads)."""
    return "assistants" if kind == "numbers" else "numbers"


@dataclass(frozen=True, slots=True)
class PageKey:
    provider: ProviderName
    kind: Kind
    native: NumberFilter  # only the filters the upstream applies itself
    request: PageRequest


async def _settle(coros: Sequence[Awaitable[V]]) -> list[Any]:
    """Run concurrently; each failure stays with its own key (the batch_load_fn contract)."""
    return list(await asyncio.gather(*coros, return_exceptions=True))


def _abandon(futures: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel what is still running; retrieve the failure of what ended (it was reported
    where it was read, or nothing needed it)."""
    for future in futures:
        if not future.done():
            future.cancel()
        elif not future.cancelled():
            future.exception()


async def _released(keys: Sequence[Any]) -> list[Any]:
    """The batch function of a released request's loaders: nothing loads any more."""
    return [RuntimeError("the request's loaders were released") for _ in keys]


def _by_provider(keys: Sequence[tuple[ProviderName, str]]) -> dict[ProviderName, set[str]]:
    grouped: dict[ProviderName, set[str]] = defaultdict(set)
    for provider, native_id in keys:
        grouped[provider].add(native_id)
    return grouped


class Loaders:
    """The loaders of one GraphQL request."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.pages: DataLoader[PageKey, Page[Any]] = DataLoader(self._load_pages)
        self.assistant: DataLoader[tuple[ProviderName, str], Assistant | None] = DataLoader(
            self._load_assistants
        )
        # The assistant a number says it is linked to: never None (DanglingLink instead).
        self.linked_assistant: DataLoader[tuple[ProviderName, str], Assistant] = DataLoader(
            self._load_linked_assistants
        )
        self.assistant_by_number: DataLoader[tuple[ProviderName, str], Assistant | None] = (
            DataLoader(self._load_assistants_by_number)
        )
        self.number: DataLoader[tuple[ProviderName, str], PhoneNumber | None] = DataLoader(
            self._load_numbers
        )
        self.numbers_of_assistant: DataLoader[tuple[ProviderName, str], list[PhoneNumber]] = (
            DataLoader(self._load_numbers_of_assistants)
        )
        self._all: dict[tuple[ProviderName, Kind], asyncio.Future[Collected[Any]]] = {}
        # Lists the request's selection will need beside the pages it reads (look-ahead):
        # "assistants" when numbers' assistants are selected, "numbers" when assistants'
        # numbers are. Their first page is asked when a page of the other list is, so it
        # joins that page's batch and both go upstream in the same step of the loop.
        self._ahead: set[Kind] = set()
        # What resolvers can answer without waiting: assistants the numbers embed, and
        # each provider's read assistant list indexed by id and by the numbers held.
        self._embedded: dict[tuple[ProviderName, str], Assistant] = {}
        self._by_id: dict[ProviderName, dict[str, Assistant]] = {}
        self._by_number: dict[ProviderName, dict[str, Assistant]] = {}
        # The pages this request asked, in order (gateway/warm_start.py records them), and
        # those a warm start asked before execution, with the batch that reads them.
        self.asked: dict[PageKey, None] = {}
        self._warm: dict[PageKey, asyncio.Future[Page[Any]]] = {}
        self._warming: asyncio.Future[list[Any]] | None = None

    def warm(self, keys: Sequence[PageKey]) -> None:
        """Ask ``keys`` now, in one batch as the page loader would: execution's reads of
        them then wait for these calls instead of making their own (gateway/warm_start.py)."""
        loop = asyncio.get_running_loop()
        futures = {key: loop.create_future() for key in keys if key not in self._warm}
        if not futures:
            return
        batch = asyncio.ensure_future(self.pages.batch_load_fn(list(futures)))

        def settle(done: asyncio.Future[list[Any]]) -> None:
            error = None if done.cancelled() else done.exception()
            results = done.result() if not done.cancelled() and error is None else None
            for index, future in enumerate(futures.values()):
                if future.done():
                    continue
                result = error if results is None else results[index]
                if done.cancelled() or isinstance(result, asyncio.CancelledError):
                    future.cancel()
                elif isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

        batch.add_done_callback(settle)
        self._warm.update(futures)
        self._warming = batch

    def _page(self, key: PageKey) -> asyncio.Future[Page[Any]]:
        """Page ``key``: the warm start's call if it asked it, else the loader's."""
        self.asked[key] = None
        warm = self._warm.get(key)
        return warm if warm is not None else self.pages.load(key)

    def look_ahead(self, kind: Kind) -> None:
        """Start ``kind``'s whole list of each provider as soon as a page of the other
        list is asked of it (see ``_ahead``)."""
        self._ahead.add(kind)

    def forget(self) -> None:
        """Drop what this request has read so far (after a write): later reads in the same
        request ask again. In place, so whoever holds these loaders keeps seeing them."""
        for loader in vars(self).values():
            if isinstance(loader, DataLoader):
                loader.clear_all()
        self._all.clear()
        for known in (self._embedded, self._by_id, self._by_number):
            known.clear()
        self._drop_warm()

    def _drop_warm(self) -> None:
        """Stop the warm start's calls nobody read (their failures said nothing asked)."""
        warming, self._warming = self._warming, None
        if warming is not None and not warming.done():
            warming.cancel()
        _abandon(self._warm.values())
        self._warm.clear()

    def release(self) -> None:
        """Drop what this request loaded, once its response is built. Each DataLoader
        holds a bound method of this object (a reference cycle), so without this every
        record of the request stays alive until the collector's next full pass."""
        pending = list(self._all.values())
        self.forget()
        _abandon(pending)  # look-aheads the response did not need
        # The cycle itself (each loader holds a bound method of this object): broken, so
        # the loaders go with the last reference to them, not at the collector's pass.
        for loader in vars(self).values():
            if isinstance(loader, DataLoader):
                loader.batch_load_fn = _released

    # -- pages -------------------------------------------------------------------------

    def page_size(self, provider: ProviderName, kind: Kind) -> int:
        info = self.runtime.adapters[provider].info
        cap = info.max_page_size if kind == "numbers" else info.assistant_max_page_size
        return min(cap, self.runtime.settings.upstream_page_size)

    def fetcher(
        self,
        provider: ProviderName,
        kind: Kind,
        native: NumberFilter = NO_FILTER,
        report: Callable[[UpstreamError], None] | None = None,
    ) -> Callable[[PageRequest], Awaitable[Page[Any]]]:
        """Pages of one list; ``report`` receives the errors of the parts of a page that
        failed while the rest answered (the page still holds the rest)."""
        linked = _linked(kind)

        def load(request: PageRequest) -> asyncio.Future[Page[Any]]:
            page = self._page(PageKey(provider, kind, native, request))
            self._prefetch(provider, linked)
            return page

        if report is None:
            return load

        async def fetch_and_report(request: PageRequest) -> Page[Any]:
            page = await load(request)
            for error in page.partial:
                report(error)
            return page

        return fetch_and_report

    async def _load_pages(self, keys: list[PageKey]) -> list[Any]:
        def call(key: PageKey) -> Awaitable[Page[Any]]:
            adapter = self.runtime.adapters[key.provider]
            if key.kind == "numbers":
                return adapter.list_phone_numbers(key.native, key.request)
            return adapter.list_assistants(key.request)

        pages = await _settle([call(k) for k in keys])
        for key, page in zip(keys, pages, strict=True):
            if key.kind == "numbers" and isinstance(page, Page):
                self._prime_embedded(page.items)
        return pages

    def replay(self, provider: ProviderName, kind: Kind, items: Sequence[Any]) -> None:
        """What loading pages of ``provider``'s list starts and primes, for ``items`` a
        sorted snapshot served instead (gateway/sorted_snapshots.py): the look-ahead of
        the linked list, and the assistants the numbers embed."""
        self._prefetch(provider, _linked(kind))
        if kind == "numbers":
            self._prime_embedded(list(items))

    def _prefetch(self, provider: ProviderName, kind: Kind) -> None:
        if kind not in self._ahead or (provider, kind) in self._all:
            return
        if kind == "assistants" and self.runtime.adapters[provider].info.embeds_assistant:
            return  # the numbers carry what is needed
        self._start(provider, kind)

    def _prime_embedded(self, numbers: list[PhoneNumber]) -> None:
        """Assistants the numbers embed (id and name): no lookup needed to resolve them."""
        embedded = self._embedded
        for n in numbers:
            refs = (n.assistant, *(r.assistant for r in n.routes)) if n.routes else (n.assistant,)
            for ref in refs:
                if ref is None or ref.name is None:
                    continue
                key = (ref.provider, ref.native_id)
                if key in embedded:
                    continue  # numbers sharing an assistant: primed with the first
                found = embedded[key] = _EMBEDDED(ref)
                for loader in (self.assistant, self.linked_assistant):
                    loader.prime(key, found)

    def pagination(self, provider: ProviderName, kind: Kind) -> Pagination:
        info = self.runtime.adapters[provider].info
        return info.pagination if kind == "numbers" else info.assistant_pagination

    async def collected(self, provider: ProviderName, kind: Kind) -> Collected[Any]:
        """The whole unfiltered list of one provider, read once per request, with the
        errors of the parts that failed."""
        return await self._start(provider, kind)

    def _start(self, provider: ProviderName, kind: Kind) -> asyncio.Future[Collected[Any]]:
        """The whole list, its first page asked now: in the batch being formed, not in one
        the collecting task would start a few steps of the loop later."""
        key = (provider, kind)
        started = self._all.get(key)
        if started is None:
            limit = self.page_size(provider, kind)
            # Straight from the loader, not through the fetcher's load: that would start the
            # linked list before this one is in _all, which would start this one again.
            first = self._page(PageKey(provider, kind, NO_FILTER, PageRequest(limit=limit)))
            started = self._all[key] = asyncio.ensure_future(
                collect(self.fetcher(provider, kind), self.pagination(provider, kind), limit, first)
            )
            self._prefetch(provider, _linked(kind))
        return started

    async def all_items(self, provider: ProviderName, kind: Kind) -> list[Any]:
        """The whole unfiltered list of one provider, read once per request."""
        return (await self.collected(provider, kind)).items

    # -- answers already known ---------------------------------------------------------
    #
    # A resolver asks these first and returns a value when they answer, not a coroutine
    # (for a page of 100 numbers, 100 coroutines and tasks fewer). They answer exactly as
    # the loaders below would; None means "not known yet: load it".

    def linked_now(self, provider: ProviderName, native_id: str) -> Assistant | Exception | None:
        """The assistant a number links to by id, if embedded or the list is read."""
        embedded = self._embedded.get((provider, native_id))
        if embedded is not None:
            return embedded
        return self._known(provider, native_id, self._id_table, _dangling)

    def holder_now(self, provider: ProviderName, e164: str) -> Assistant | Exception | None:
        """The assistant that holds an ASSIGNED number (links by number), if the list is read."""
        return self._known(provider, e164, self._number_table, _unheld)

    def _known(
        self,
        provider: ProviderName,
        key: str,
        table: Callable[[ProviderName, list[Assistant]], dict[str, Assistant]],
        missing: Callable[[ProviderName, str], DanglingLink],
    ) -> Assistant | Exception | None:
        """``key`` in ``table`` of the provider's read assistant list, as ``_per_provider``
        answers it (a part of the list that failed before "not there")."""
        listed = self._listed_now(provider)
        if listed is None or isinstance(listed, Exception):
            return listed
        found = table(provider, listed).get(key)
        if found is not None:
            return found
        return self._unreadable(provider, ("assistants",)) or missing(provider, key)

    async def links_ready(self, numbers: Sequence[PhoneNumber]) -> None:
        """Wait for the look-ahead assistant lists these numbers' links need (already in
        flight, and needed by the response anyway), so their resolvers answer at once.
        Failures stay in the lists' futures, for the resolvers to report."""
        if "assistants" not in self._ahead:
            return
        waiting = set()
        for n in numbers:
            future = self._all.get((n.provider, "assistants"))
            if future is None or future.done():
                continue
            ref = n.assistant
            if ref is not None and (n.provider, ref.native_id) not in self._embedded:
                waiting.add(future)
            elif ref is None and n.status is NumberStatus.ASSIGNED:
                waiting.add(future)  # linked by number (or not at all): the list says
        if waiting:
            await asyncio.wait(waiting)

    def _listed_now(self, provider: ProviderName) -> list[Assistant] | Exception | None:
        future = self._all.get((provider, "assistants"))
        if future is None or not future.done() or future.cancelled():
            return None
        error = future.exception()
        if error is not None:
            return error if isinstance(error, Exception) else None
        items: list[Assistant] = future.result().items
        return items

    def _id_table(self, provider: ProviderName, listed: list[Assistant]) -> dict[str, Assistant]:
        table = self._by_id.get(provider)
        if table is None:
            table = self._by_id[provider] = {a.native_id: a for a in listed}
        return table

    def _number_table(
        self, provider: ProviderName, listed: list[Assistant]
    ) -> dict[str, Assistant]:
        table = self._by_number.get(provider)
        if table is None:
            table = self._by_number[provider] = {}
            for assistant in listed:
                for e164 in assistant.phone_numbers or ():
                    table.setdefault(e164, assistant)
        return table

    # -- entities ----------------------------------------------------------------------

    async def _per_provider(
        self,
        keys: list[tuple[ProviderName, str]],
        index: Callable[[ProviderName, set[str]], Awaitable[dict[str, V]]],
        missing: Callable[[ProviderName, str], V | BaseException],
        kinds: tuple[Kind, ...] = (),
    ) -> list[V | BaseException]:
        """``index`` once per provider, then each key's entry.

        A key the index lacks is ``missing``, unless a part of one of the lists in
        ``kinds`` failed: then it may be in the part that could not be read, so it gets
        that part's error rather than a confident "not there".
        """
        grouped = _by_provider(keys)
        providers = list(grouped)
        results = await _settle([index(p, grouped[p]) for p in providers])
        found = dict(zip(providers, results, strict=True))
        out: list[V | BaseException] = []
        for provider, native_id in keys:
            table = found[provider]
            if isinstance(table, BaseException):
                out.append(table)
            elif native_id in table:
                out.append(table[native_id])
            else:
                out.append(self._unreadable(provider, kinds) or missing(provider, native_id))
        return out

    def _unreadable(self, provider: ProviderName, kinds: tuple[Kind, ...]) -> UpstreamError | None:
        """The first error of a part of ``provider``'s lists that failed in this request."""
        for kind in kinds:
            done = self._all.get((provider, kind))
            ok = done is not None and done.done() and not done.cancelled() and not done.exception()
            if ok and done is not None and done.result().partial:
                return done.result().partial[0]
        return None

    async def _assistant_index(self, provider: ProviderName, ids: set[str]) -> dict[str, Assistant]:
        if len(ids) == 1 and (provider, "assistants") not in self._all:
            # One lookup, no list read yet: the get-one endpoint is cheaper than a scan.
            (native_id,) = ids
            one = await lookup_assistant(
                self.runtime.adapters[provider],
                native_id,
                lambda: self.all_items(provider, "assistants"),
            )
            return {native_id: one} if one else {}
        return self._id_table(provider, await self.all_items(provider, "assistants"))

    async def _load_assistants(self, keys: list[tuple[ProviderName, str]]) -> list[Any]:
        return await self._per_provider(keys, self._assistant_index, _none, ("assistants",))

    async def _load_linked_assistants(self, keys: list[tuple[ProviderName, str]]) -> list[Any]:
        return await self._per_provider(keys, self._assistant_index, _dangling, ("assistants",))

    async def _assistants_by_number(
        self, provider: ProviderName, _: set[str]
    ) -> dict[str, Assistant]:
        return self._number_table(provider, await self.all_items(provider, "assistants"))

    async def _load_assistants_by_number(self, keys: list[tuple[ProviderName, str]]) -> list[Any]:
        """Asked only for ASSIGNED numbers: one no assistant holds is a DanglingLink."""
        return await self._per_provider(keys, self._assistants_by_number, _unheld, ("assistants",))

    async def _number_index(self, provider: ProviderName, _: set[str]) -> dict[str, PhoneNumber]:
        return {n.native_id: n for n in await self.all_items(provider, "numbers")}

    async def _load_numbers(self, keys: list[tuple[ProviderName, str]]) -> list[Any]:
        return await self._per_provider(keys, self._number_index, _none, ("numbers",))

    async def _numbers_by_assistant(
        self, provider: ProviderName, _: set[str]
    ) -> dict[str, list[PhoneNumber]]:
        listed = await self.collected(provider, "numbers")
        if listed.partial:
            raise listed.partial[0]  # the part that failed may hold this assistant's numbers
        numbers = listed.items
        table: dict[str, list[PhoneNumber]] = defaultdict(list)
        info = self.runtime.adapters[provider].info
        if info.links_by_number:
            owner = await self._assistants_by_number(provider, set())
            for n in numbers:
                if n.number in owner:
                    table[owner[n.number].native_id].append(n)
        else:
            for n in numbers:  # every assistant a number routes to holds it, once
                for native_id in routed_assistant_ids(n, info.link_route):
                    table[native_id].append(n)
        return table

    async def _load_numbers_of_assistants(self, keys: list[tuple[ProviderName, str]]) -> list[Any]:
        return await self._per_provider(keys, self._numbers_by_assistant, _empty)


def _none(_provider: ProviderName, _native_id: str) -> None:
    return None


def _dangling(provider: ProviderName, native_id: str) -> DanglingLink:
    return DanglingLink(
        provider,
        f"a number is linked to assistant {native_id!r}, which {provider.value} does not list",
    )


def _unheld(provider: ProviderName, e164: str) -> DanglingLink:
    return DanglingLink(
        provider, f"{e164} is assigned, but no assistant {provider.value} lists holds it"
    )


def _empty(_provider: ProviderName, _native_id: str) -> list[PhoneNumber]:
    return []


__all__ = ["Kind", "Loaders", "PageKey", "UpstreamError"]
