"""The adapter protocol every provider module implements.

Adapters are the only code that knows an upstream's shape: they build the request, call
it through the shared :class:`~gateway.upstream.UpstreamClient`, validate the JSON and
return normalized records. Everything above ``providers/`` sees only ``gateway.model``.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..config import ProviderSettings
from ..errors import UpstreamBadResponse
from ..model import Assistant, NumberStatus, PhoneNumber, ProviderName
from ..upstream import UpstreamClient

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class Pagination(enum.StrEnum):
    """How an upstream list endpoint pages."""

    NONE = "NONE"  # one response holds the whole list
    OFFSET = "OFFSET"  # limit + offset, random access
    CURSOR = "CURSOR"  # opaque next-cursor, forward only


@dataclass(frozen=True, slots=True)
class PageRequest:
    """One upstream page to fetch.

    ``offset`` is used by OFFSET upstreams, ``cursor`` by CURSOR upstreams (``None`` means
    the first page); NONE upstreams ignore both and return everything.
    """

    limit: int
    offset: int = 0
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    # Size of the whole (natively filtered) list when the upstream reports it.
    total: int | None = None
    # CURSOR upstreams: the token of the next page, ``None`` at the end.
    next_cursor: str | None = None


@dataclass(frozen=True, slots=True)
class NumberFilter:
    """Filters an adapter may apply upstream. What it cannot apply, the gateway applies."""

    status: NumberStatus | None = None


@dataclass(frozen=True, slots=True)
class AdapterInfo:
    """What the upstream supports natively: the planner reads this, never the module."""

    pagination: Pagination
    max_page_size: int
    # Number filters the upstream applies itself (field names of NumberFilter).
    native_number_filters: frozenset[str] = field(default_factory=frozenset)
    assistant_pagination: Pagination = Pagination.NONE
    assistant_max_page_size: int = 100
    # True where numbers point to assistants only by E.164 number (resolved via assistants).
    links_by_number: bool = False


class ProviderAdapter(Protocol):
    """One provider. Implementations live in ``gateway/providers/<name>.py``."""

    name: ClassVar[ProviderName]
    info: ClassVar[AdapterInfo]

    async def list_phone_numbers(self, flt: NumberFilter, page: PageRequest) -> Page[PhoneNumber]:
        """One page of numbers, natively filtered where ``info`` says so."""
        ...

    async def list_assistants(self, page: PageRequest) -> Page[Assistant]:
        """One page of assistants/agents."""
        ...

    async def get_assistant(self, native_id: str) -> Assistant | None:
        """One assistant, or ``None`` when the upstream says it does not exist."""
        ...


AdapterFactory = Callable[[ProviderSettings, UpstreamClient], ProviderAdapter]


class UpstreamModel(BaseModel):
    """Base for upstream payload models: unknown fields are ignored, as upstreams grow."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def parse(provider: ProviderName, model: type[M], payload: Any) -> M:
    """Validate an upstream payload; a mismatch is a typed error naming the provider."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "<root>"
        raise UpstreamBadResponse(
            provider, f"response does not match the documented shape at {where}"
        ) from None


def parse_list(provider: ProviderName, model: type[M], payload: Any) -> list[M]:
    """Validate a bare JSON array of ``model`` items."""
    if not isinstance(payload, list):
        raise UpstreamBadResponse(
            provider, "response does not match the documented shape: expected an array"
        )
    return [parse(provider, model, item) for item in payload]


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


async def collect_all(
    fetch: Callable[[PageRequest], Awaitable[Page[T]]], pagination: Pagination, limit: int
) -> list[T]:
    """Every item of an upstream list, page by page."""
    items: list[T] = []
    request: PageRequest | None = PageRequest(limit=limit)
    while request is not None:
        page = await fetch(request)
        items.extend(page.items)
        request = next_page(pagination, request, page)
    return items
