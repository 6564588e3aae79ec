"""Butter AI adapter: cursor-paged numbers and agents in the ``{success, data}`` envelope.

Butter filters by status itself and its cursor and ``total_count`` refer to the filtered
list, so ``status`` is a native filter. Links go both ways: ``assigned_agent_id`` on the
number, ``assigned_phone_number_ids`` on the agent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar
from urllib.parse import quote

from ..config import ProviderSettings
from ..errors import UpstreamHTTPError
from ..model import (
    Assistant,
    AssistantRef,
    Capabilities,
    NumberStatus,
    PhoneNumber,
    ProviderName,
)
from ..upstream import UpstreamClient
from .base import (
    AdapterInfo,
    NumberFilter,
    Page,
    PageRequest,
    Pagination,
    UpstreamModel,
    parse,
)

MAX_PAGE_SIZE = 100  # the emulator's assumed cap (see gateway/emulators/butter.py)
_STATUS = {NumberStatus.AVAILABLE: "free", NumberStatus.ASSIGNED: "assigned"}

ItemT = TypeVar("ItemT")


class ButterNumber(UpstreamModel):
    phone_number_id: str
    phone_number: str
    provider: str
    status: Literal["free", "assigned"]
    supports_inbound: bool
    supports_outbound: bool
    assigned_agent_id: str | None = None
    created_at: datetime


class ButterAgent(UpstreamModel):
    agent_id: str
    agent_name: str
    assigned_phone_number_ids: list[str]


class ButterPagination(UpstreamModel):
    next_cursor: str | None
    has_more: bool
    page_size: int
    total_count: int


class ButterList(UpstreamModel, Generic[ItemT]):
    success: Literal[True]
    data: list[ItemT]
    pagination: ButterPagination


class ButterOne(UpstreamModel, Generic[ItemT]):
    success: Literal[True]
    data: ItemT


class Adapter:
    name: ClassVar[ProviderName] = ProviderName.BUTTER
    info: ClassVar[AdapterInfo] = AdapterInfo(
        pagination=Pagination.CURSOR,
        max_page_size=MAX_PAGE_SIZE,
        native_number_filters=frozenset({"status"}),
        assistant_pagination=Pagination.CURSOR,
        assistant_max_page_size=MAX_PAGE_SIZE,
    )

    def __init__(self, settings: ProviderSettings, client: UpstreamClient) -> None:
        self._client = client

    @staticmethod
    def auth_headers(settings: ProviderSettings) -> dict[str, str]:
        """Both documented headers; an unset organization id is left for Butter to reject."""
        headers = {"X-API-Key": settings.api_key or ""}
        if settings.organization_id:
            headers["X-Organization-Id"] = settings.organization_id
        return headers

    async def _page(self, path: str, page: PageRequest, **params: Any) -> Any:
        """One raw page; the limit is clamped to what Butter accepts."""
        limit = max(1, min(page.limit, MAX_PAGE_SIZE))
        return await self._client.get_json(
            path, {"page_size": limit, "cursor": page.cursor, **params}
        )

    async def list_phone_numbers(self, flt: NumberFilter, page: PageRequest) -> Page[PhoneNumber]:
        status = _STATUS[flt.status] if flt.status is not None else None
        body = await self._page("/api/phone-numbers", page, status=status)
        listing = parse(self.name, ButterList[ButterNumber], body)
        return _page_of([self._number(n) for n in listing.data], listing.pagination)

    async def list_assistants(self, page: PageRequest) -> Page[Assistant]:
        listing = parse(self.name, ButterList[ButterAgent], await self._page("/api/agents", page))
        return _page_of([self._assistant(a) for a in listing.data], listing.pagination)

    async def get_assistant(self, native_id: str) -> Assistant | None:
        try:
            body = await self._client.get_json(f"/api/agents/{quote(native_id, safe='')}")
        except UpstreamHTTPError as exc:
            if exc.status == 404:
                return None
            raise
        return self._assistant(parse(self.name, ButterOne[ButterAgent], body).data)

    def _number(self, n: ButterNumber) -> PhoneNumber:
        return PhoneNumber(
            provider=self.name,
            native_id=n.phone_number_id,
            number=n.phone_number,
            status=NumberStatus.ASSIGNED if n.status == "assigned" else NumberStatus.AVAILABLE,
            capabilities=Capabilities(inbound=n.supports_inbound, outbound=n.supports_outbound),
            carrier=n.provider,
            assistant=AssistantRef(self.name, n.assigned_agent_id) if n.assigned_agent_id else None,
            created_at=n.created_at,
        )

    def _assistant(self, a: ButterAgent) -> Assistant:
        return Assistant(
            provider=self.name,
            native_id=a.agent_id,
            name=a.agent_name,
            phone_number_ids=tuple(a.assigned_phone_number_ids),
        )


def _page_of(items: list[ItemT], pagination: ButterPagination) -> Page[ItemT]:
    return Page(
        items=items,
        total=pagination.total_count,
        next_cursor=pagination.next_cursor if pagination.has_more else None,
    )
