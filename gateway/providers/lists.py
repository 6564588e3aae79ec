"""Upstream list endpoints as data: one :class:`ListEndpoint` per list, one reader.

Most lists differ only in where things sit: the path, the query parameters a page is
asked by, the key of the items in the body and of the total. So an adapter declares each
of its plain lists (in its constructor where settings name the parameters, as Butter's
do) and :meth:`ListEndpoint.read` makes the call and reads the page. What is more than
one call of a plain list (Teli's two number lists, Synthflow's agent-held numbers, the
legacy fallbacks of Vapi and Retell, Vapi's ``createdAt`` continuation of assistants)
stays the adapter's code around, or instead of, the reader.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, Union, cast, get_args, get_origin

from pydantic import BaseModel, RootModel

from ..errors import UpstreamBadResponse
from ..model import ProviderName
from ..paging import Page, PageRequest
from ..upstream import UpstreamClient
from ..upstream.recent import RECORDS
from .base import decoder

I = TypeVar("I", bound=BaseModel)  # noqa: E741 - the item model
J = TypeVar("J", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LimitOffset:
    """``limit`` items from ``offset``, under the upstream's parameter names; the limit is
    clamped to ``1..max_limit`` (what the upstream accepts)."""

    max_limit: int
    limit: str = "limit"
    offset: str = "offset"

    def params(self, page: PageRequest) -> dict[str, Any]:
        """The query of ``page``."""
        return {self.limit: max(1, min(page.limit, self.max_limit)), self.offset: page.offset}


@dataclass(frozen=True, slots=True)
class PageNumber:
    """Pages of ``size`` items numbered from 1 (the size clamped to ``1..max_size``),
    addressed by offset as the planner asks: an offset that is not a multiple of the size
    is served from the two pages around it."""

    max_size: int
    page: str = "page"
    size: str = "limit"


@dataclass(frozen=True, slots=True)
class Cursor:
    """Forward pages after an opaque key sent as ``cursor`` (none on the first page),
    ``limit`` items a page (clamped to ``1..max_limit``; ``None``: no page size sent). The
    body's ``has_more`` key (left out: false) says whether a next page exists and its
    ``next`` key where it starts; more without a new key to start from is an error, never
    a loop (``hint``: what the error adds when the key sent came back)."""

    max_limit: int
    cursor: str
    next: str
    has_more: str
    limit: str | None = "limit"
    hint: str = ""

    def params(self, page: PageRequest) -> dict[str, Any]:
        """The query of ``page``."""
        query: dict[str, Any] = {self.cursor: page.cursor}
        if self.limit:
            query[self.limit] = max(1, min(page.limit, self.max_limit))
        return query


@dataclass(frozen=True, slots=True)
class ListEndpoint(Generic[I]):
    """One list endpoint of ``provider``: ``method path``, paged by ``paging`` (``None``:
    one call answers the whole list, so its length is the total).

    ``body`` is the model of the response and ``items`` the dotted key of the item array
    in it (neither: the body is a bare array of ``item``); ``total`` the dotted key of the
    list's length, where the upstream reports one (a level that is null, an optional block
    left out, means no total). The keys are checked against the models when the endpoint
    is declared, so a typo fails at import rather than on a live page.
    """

    provider: ProviderName
    path: str
    item: type[I]
    paging: LimitOffset | PageNumber | Cursor | None = None
    body: type[BaseModel] | None = None
    items: str | None = None
    total: str | None = None
    # A list read by another method (POST), its query in ``json``: still a read (retried,
    # coalesced, cached by its body too).
    method: str = "GET"
    json: Mapping[str, Any] | None = None
    _decode: Callable[[bytes], BaseModel] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if (self.items is None) != (self.body is None):
            raise TypeError(f"{self.path}: items and body are declared together")
        listed = types.GenericAlias(list, (self.item,))  # list[item], built at run time
        body = self.body or RootModel[listed]  # type: ignore[valid-type]
        if self.items is not None and _annotation(body, self.items) != listed:
            raise TypeError(f"{self.path}: {self.items} is no list of {self.item.__name__}")
        if self.total is not None and _annotation(body, self.total) is not int:
            raise TypeError(f"{self.path}: {self.total} is no int")
        if isinstance(self.paging, Cursor):
            for key, kind in ((self.paging.next, str), (self.paging.has_more, bool)):
                if _annotation(body, key) is not kind:
                    raise TypeError(f"{self.path}: {key} is no {kind.__name__}")
        object.__setattr__(self, "_decode", decoder(self.provider, body))

    def like(
        self,
        path: str,
        item: type[J],
        body: type[BaseModel] | None = None,
        items: str | None = None,
    ) -> ListEndpoint[J]:
        """Another list of the provider, asked, paged and keyed like this one (``items``:
        where its items sit, if elsewhere)."""
        return ListEndpoint(
            self.provider,
            path,
            item,
            self.paging,
            body,
            items or self.items,
            self.total,
            self.method,
            self.json,
        )

    async def read(
        self,
        client: UpstreamClient,
        page: PageRequest,
        convert: Callable[[I], T],
        params: Mapping[str, Any] | None = None,
    ) -> Page[T]:
        """``page`` of the list, its items made records by ``convert``; ``params`` are the
        endpoint's other query parameters (filters, scope ids; ``None`` values unsent)."""
        paging, extra = self.paging, dict(params or {})
        if isinstance(paging, PageNumber):
            return await self._numbered(client, page, convert, extra, paging)
        body = await self._call(client, {**(paging.params(page) if paging else {}), **extra})
        items = RECORDS.convert(self.path, body, self._items(body), convert)
        if paging is None:
            return Page(items, total=len(items))
        if isinstance(paging, Cursor):
            next_cursor = self._after(body, page, paging)
            return Page(items, total=self._total(body), next_cursor=next_cursor)
        return Page(items, total=self._total(body))

    async def _numbered(
        self,
        client: UpstreamClient,
        page: PageRequest,
        convert: Callable[[I], T],
        params: dict[str, Any],
        paging: PageNumber,
    ) -> Page[T]:
        """``[offset, offset + limit)`` from the one or two numbered pages it falls in."""
        size = max(1, min(page.limit, paging.max_size))
        first, skip = divmod(page.offset, size)
        if not skip:  # one page, all of it: its records may be the recent ones
            body = await self._call(client, {paging.page: first + 1, paging.size: size, **params})
            made = RECORDS.convert(self.path, body, self._items(body), convert)
            return Page(made[:size], total=self._total(body))
        items: list[I] = []
        total = None
        for number in (first + 1, first + 2):
            body = await self._call(client, {paging.page: number, paging.size: size, **params})
            listed = self._items(body)
            items += listed
            total = self._total(body)
            if len(listed) < size:
                break
        return Page([convert(i) for i in items[skip : skip + size]], total=total)

    async def _call(self, client: UpstreamClient, query: dict[str, Any]) -> BaseModel:
        """One call of the endpoint, its body validated from the bytes."""
        if self.method == "GET":
            return await client.get_json(self.path, query or None, decode=self._decode)
        body: BaseModel = await client.request_json(
            self.method,
            self.path,
            params=query or None,
            json_body=self.json,
            read=True,
            decode=self._decode,
        )
        return body

    def _items(self, body: BaseModel) -> list[I]:
        # An optional item list left out is an empty page.
        return cast("list[I] | None", _at(body, self.items or "root")) or []

    def _total(self, body: BaseModel) -> int | None:
        return cast("int | None", _at(body, self.total)) if self.total else None

    def _after(self, body: BaseModel, page: PageRequest, paging: Cursor) -> str | None:
        """The key of the page after ``body``, ``None`` at the end; an answer with neither
        items nor ``has_more`` is no page, and more without a new key is refused."""
        if not (_given(body, self.items or "root") or _given(body, paging.has_more)):
            raise UpstreamBadResponse(
                self.provider, f"{self.path} answered neither {self.items} nor {paging.has_more}"
            )
        if not _at(body, paging.has_more):
            return None
        after = cast("str | None", _at(body, paging.next))
        if after and after != page.cursor:
            return after
        echoed = f" (the {paging.cursor} it was sent){paging.hint}" if after else ""
        raise UpstreamBadResponse(
            self.provider,
            f"{self.path} answered {paging.has_more} without a new {paging.next} "
            f"to continue from{echoed}",
        )


def _at(body: BaseModel, key: str) -> Any:
    """The value at dotted ``key``; ``None`` where a level on the way is."""
    value: Any = body
    for name in key.split("."):
        if value is None:
            return None
        value = getattr(value, name)
    return value


def _given(body: BaseModel, key: str) -> bool:
    """Whether the answer carried dotted ``key`` (a field left out is not given)."""
    *parents, name = key.split(".")
    holder = _at(body, ".".join(parents)) if parents else body
    return isinstance(holder, BaseModel) and name in holder.model_fields_set


def _annotation(model: type[BaseModel], key: str) -> Any:
    """The declared type at dotted ``key`` of ``model``, optional levels unwrapped."""
    kind: Any = model
    for name in key.split("."):
        fields = getattr(kind, "model_fields", {})
        if name not in fields:
            raise TypeError(f"{model.__name__} has no {key}")
        kind = _required(fields[name].annotation)
    return kind


def _required(kind: Any) -> Any:
    """``X`` of ``X | None``; any other type as it is."""
    if get_origin(kind) in (Union, types.UnionType):
        args = [a for a in get_args(kind) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return kind


__all__ = ["Cursor", "LimitOffset", "ListEndpoint", "PageNumber"]
