"""Butter AI adapter: cursor-paged numbers and agents in the ``{success, data}`` envelope.

Butter filters by status itself and its cursor and ``total_count`` refer to the filtered
list, so ``status`` is a native filter. Links go both ways: ``assigned_agent_id`` on the
number, ``assigned_phone_number_ids`` on the agent.

Linking is ``POST /api/agents/{agent_id}/assign-phone-number`` and
``…/unassign-phone-number/{phone_number_id}``. Butter refuses a number that is assigned
already (409, to another agent or this one), so a number never moves between agents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar
from urllib.parse import quote

from ..config import ProviderSettings
from ..errors import UpstreamError
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
    LinkError,
    LinkErrorCode,
    LinkResult,
    NumberFilter,
    Page,
    PageRequest,
    Pagination,
    UpstreamModel,
    check_link,
    check_unlink,
    forbidden,
    get_json_or_none,
    parse,
    which_missing,
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


class ButterAction(UpstreamModel):
    """The action envelope ``{success, message, data: AgentData}``."""

    success: Literal[True]
    data: ButterAgent


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
        return await get_json_or_none(
            self._client,
            f"/api/agents/{quote(native_id, safe='')}",
            lambda body: self._assistant(parse(self.name, ButterOne[ButterAgent], body).data),
        )

    async def link_phone_number(self, number: PhoneNumber, assistant: Assistant) -> LinkResult:
        check_link(number, assistant, moves=False)
        path = f"/api/agents/{quote(assistant.native_id, safe='')}/assign-phone-number"
        try:
            body = await self._client.request_json(
                "POST", path, json_body={"phone_number_id": number.native_id}
            )
        except UpstreamError as exc:
            raise await self._refusal(exc, number, assistant.native_id, assign=True) from None
        parse(self.name, ButterAction, body)
        return LinkResult(number.native_id, assistant.native_id)

    async def unlink_phone_number(self, number: PhoneNumber) -> LinkResult:
        holder = check_unlink(number)
        path = (
            f"/api/agents/{quote(holder, safe='')}/unassign-phone-number/"
            f"{quote(number.native_id, safe='')}"
        )
        try:
            body = await self._client.request_json("POST", path)
        except UpstreamError as exc:
            raise await self._refusal(exc, number, holder, assign=False) from None
        parse(self.name, ButterAction, body)
        return LinkResult(number.native_id, holder)

    async def _refusal(
        self, exc: UpstreamError, number: PhoneNumber, agent_id: str, *, assign: bool
    ) -> Exception:
        """The documented statuses of assign/unassign as user errors; others stay upstream
        errors. The write is not sent again whatever the answer."""
        if exc.status == 404:
            if assign:  # "agent or number not found"
                return await which_missing(self, agent_id)
            return LinkError(
                LinkErrorCode.ASSISTANT_NOT_FOUND, f"butter has no agent {agent_id}", None
            )
        if exc.status == 403:
            return forbidden(self.name, "assign the number" if assign else "unassign the number")
        if exc.status == 409:
            return LinkError(
                LinkErrorCode.LINKED_ELSEWHERE,
                f"{number.number} is already assigned to an agent; unlink it first",
                "phoneNumberId",
            )
        if exc.status == 400:
            if assign:  # the one documented 400 of assign
                return LinkError(
                    LinkErrorCode.NOT_LINKABLE,
                    f"{number.number} is a Twilio number without a Twilio integration at butter",
                    "phoneNumberId",
                )
            return LinkError(
                LinkErrorCode.NOT_LINKED,
                f"{number.number} is not assigned to agent {agent_id}",
                "phoneNumberId",
            )
        return exc

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
