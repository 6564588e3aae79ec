"""Per-request dataloaders: every upstream read of a GraphQL request goes through here.

Created fresh for each request, so nothing leaks between requests or tenants. The page
loader deduplicates identical upstream page requests; the entity loaders turn N lookups
into one scan of each provider's list (a handful of pages), never N calls.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from aiodataloader import DataLoader

from .errors import UpstreamError
from .model import Assistant, PhoneNumber, ProviderName
from .providers.base import NumberFilter, Page, PageRequest, Pagination, collect_all
from .runtime import Runtime

K = TypeVar("K")
V = TypeVar("V")

Kind = Literal["numbers", "assistants"]
NO_FILTER = NumberFilter()


@dataclass(frozen=True, slots=True)
class PageKey:
    provider: ProviderName
    kind: Kind
    native: NumberFilter  # only the filters the upstream applies itself
    request: PageRequest


async def _settle(coros: Sequence[Awaitable[V]]) -> list[Any]:
    """Run concurrently; each failure stays with its own key (the batch_load_fn contract)."""
    return list(await asyncio.gather(*coros, return_exceptions=True))


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
        self.assistant_by_number: DataLoader[tuple[ProviderName, str], Assistant | None] = (
            DataLoader(self._load_assistants_by_number)
        )
        self.number: DataLoader[tuple[ProviderName, str], PhoneNumber | None] = DataLoader(
            self._load_numbers
        )
        self.numbers_of_assistant: DataLoader[tuple[ProviderName, str], list[PhoneNumber]] = (
            DataLoader(self._load_numbers_of_assistants)
        )
        self._all: dict[tuple[ProviderName, Kind], asyncio.Future[list[Any]]] = {}

    # -- pages -------------------------------------------------------------------------

    def page_size(self, provider: ProviderName, kind: Kind) -> int:
        info = self.runtime.adapters[provider].info
        cap = info.max_page_size if kind == "numbers" else info.assistant_max_page_size
        return min(cap, self.runtime.settings.upstream_page_size)

    def fetcher(
        self, provider: ProviderName, kind: Kind, native: NumberFilter = NO_FILTER
    ) -> Callable[[PageRequest], Awaitable[Page[Any]]]:
        def fetch(request: PageRequest) -> Awaitable[Page[Any]]:
            return self.pages.load(PageKey(provider, kind, native, request))

        return fetch

    async def _load_pages(self, keys: list[PageKey]) -> list[Any]:
        def call(key: PageKey) -> Awaitable[Page[Any]]:
            adapter = self.runtime.adapters[key.provider]
            if key.kind == "numbers":
                return adapter.list_phone_numbers(key.native, key.request)
            return adapter.list_assistants(key.request)

        return await _settle([call(k) for k in keys])

    def pagination(self, provider: ProviderName, kind: Kind) -> Pagination:
        info = self.runtime.adapters[provider].info
        return info.pagination if kind == "numbers" else info.assistant_pagination

    async def all_items(self, provider: ProviderName, kind: Kind) -> list[Any]:
        """The whole unfiltered list of one provider, read once per request."""
        key = (provider, kind)
        if key not in self._all:
            self._all[key] = asyncio.ensure_future(
                collect_all(
                    self.fetcher(provider, kind),
                    self.pagination(provider, kind),
                    self.page_size(provider, kind),
                )
            )
        return await self._all[key]

    # -- entities ----------------------------------------------------------------------

    async def _per_provider(
        self,
        keys: list[tuple[ProviderName, str]],
        index: Callable[[ProviderName, set[str]], Awaitable[dict[str, V]]],
        missing: Callable[[], V],
    ) -> list[V | BaseException]:
        grouped = _by_provider(keys)
        providers = list(grouped)
        results = await _settle([index(p, grouped[p]) for p in providers])
        found = dict(zip(providers, results, strict=True))
        out: list[V | BaseException] = []
        for provider, native_id in keys:
            table = found[provider]
            out.append(
                table if isinstance(table, BaseException) else table.get(native_id, missing())
            )
        return out

    async def _assistant_index(self, provider: ProviderName, ids: set[str]) -> dict[str, Assistant]:
        if len(ids) == 1:  # one lookup: the get-one endpoint is cheaper than a scan
            (native_id,) = ids
            one = await self.runtime.adapters[provider].get_assistant(native_id)
            return {native_id: one} if one else {}
        return {a.native_id: a for a in await self.all_items(provider, "assistants")}

    async def _load_assistants(self, keys: list[tuple[ProviderName, str]]) -> list[Any]:
        return await self._per_provider(keys, self._assistant_index, lambda: None)

    async def _assistants_by_number(
        self, provider: ProviderName, _: set[str]
    ) -> dict[str, Assistant]:
        table: dict[str, Assistant] = {}
        for assistant in await self.all_items(provider, "assistants"):
            for e164 in assistant.phone_numbers or ():
                table.setdefault(e164, assistant)
        return table

    async def _load_assistants_by_number(self, keys: list[tuple[ProviderName, str]]) -> list[Any]:
        return await self._per_provider(keys, self._assistants_by_number, lambda: None)

    async def _number_index(self, provider: ProviderName, _: set[str]) -> dict[str, PhoneNumber]:
        return {n.native_id: n for n in await self.all_items(provider, "numbers")}

    async def _load_numbers(self, keys: list[tuple[ProviderName, str]]) -> list[Any]:
        return await self._per_provider(keys, self._number_index, lambda: None)

    async def _numbers_by_assistant(
        self, provider: ProviderName, _: set[str]
    ) -> dict[str, list[PhoneNumber]]:
        numbers = await self.all_items(provider, "numbers")
        table: dict[str, list[PhoneNumber]] = defaultdict(list)
        if self.runtime.adapters[provider].info.links_by_number:
            owner = await self._assistants_by_number(provider, set())
            for n in numbers:
                if n.number in owner:
                    table[owner[n.number].native_id].append(n)
        else:
            for n in numbers:
                if n.assistant is not None:
                    table[n.assistant.native_id].append(n)
        return table

    async def _load_numbers_of_assistants(self, keys: list[tuple[ProviderName, str]]) -> list[Any]:
        return await self._per_provider(keys, self._numbers_by_assistant, list)


__all__ = ["Kind", "Loaders", "PageKey", "UpstreamError"]
