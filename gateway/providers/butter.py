"""Butter AI adapter: cursor-paged numbers and agents in the ``{success, data}`` envelope.

Butter filters by status itself and its cursor and ``total_count`` refer to the filtered
list, so ``status`` is a native filter. Links go both ways: ``assigned_agent_id`` on the
number, ``assigned_phone_number_ids`` on the agent.

The docs show the list's ``pagination`` block but no query parameter to send the cursor
or the page size: their names are settings (``page_size_param``, ``cursor_param``,
defaults ``page_size`` and ``cursor``). Pages are followed by ``next_cursor`` and counted
by what arrived, so an upstream that ignores the page size pages correctly; one that
ignores the cursor (sends back the cursor it was given), or says ``has_more`` with no
``next_cursor``, is an error, never a loop or a list silently cut short. The lists are
``kit.ListEndpoint``s built from those settings.
Agent list items may carry ``id`` (the introduction's example) instead of ``agent_id``.

Linking is ``POST /api/agents/{agent_id}/assign-phone-number`` and
``…/unassign-phone-number/{phone_number_id}``. Butter refuses a number that is assigned
already (409, to another agent or this one), so a number never moves between agents.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Generic, Literal, TypeVar
from urllib.parse import quote

from pydantic import AliasChoices, Field

from ..emulators import butter as emulator
from . import kit

MAX_PAGE_SIZE = 100  # the emulator's assumed cap (see gateway/emulators/butter.py)
PAGE_SIZE_PARAM = "page_size"  # defaults of ButterSettings.page_size_param / cursor_param
CURSOR_PARAM = "cursor"
_STATUS = {kit.NumberStatus.AVAILABLE: "free", kit.NumberStatus.ASSIGNED: "assigned"}

ItemT = TypeVar("ItemT")


class ButterSettings(kit.ProviderSettings):
    """Butter needs its organization; its docs name no paging parameters (README)."""

    organization_id: str | None = None
    # The query parameters its lists page by. None: the defaults "page_size" and
    # "cursor"; "" sends no page size.
    page_size_param: str | None = None
    cursor_param: str | None = Field(default=None, min_length=1)


class ButterNumber(kit.UpstreamModel):
    phone_number_id: str
    phone_number: str
    provider: str
    status: Literal["free", "assigned"]
    supports_inbound: bool
    supports_outbound: bool
    assigned_agent_id: str | None = None
    created_at: datetime


class ButterAgent(kit.UpstreamModel):
    agent_id: str = Field(validation_alias=AliasChoices("agent_id", "id"))
    agent_name: str
    # On AgentData (assign, update); list items may leave it out.
    assigned_phone_number_ids: list[str] | None = None


class ButterPagination(kit.UpstreamModel):
    next_cursor: str | None
    has_more: bool
    page_size: int
    total_count: int


class ButterList(kit.UpstreamModel, Generic[ItemT]):
    success: Literal[True]
    data: list[ItemT]
    pagination: ButterPagination


class ButterOne(kit.UpstreamModel, Generic[ItemT]):
    success: Literal[True]
    data: ItemT


class ButterAction(kit.UpstreamModel):
    """The action envelope ``{success, message, data: AgentData}``."""

    success: Literal[True]
    data: ButterAgent


# The documented statuses of assign and unassign; others stay upstream errors. Butter
# refuses a number assigned already (409), to another agent or this one.
_ALREADY_ASSIGNED = kit.Refused(
    kit.LinkErrorCode.LINKED_ELSEWHERE, "{number} is already assigned to an agent; unlink it first"
)
ASSIGN_REFUSALS: kit.StatusTable = {
    404: kit.WHICH_MISSING,  # "agent or number not found"
    403: kit.FORBIDDEN,
    409: _ALREADY_ASSIGNED,
    # The one documented 400 of assign.
    400: kit.Refused(
        kit.LinkErrorCode.NOT_LINKABLE,
        "{number} is a Twilio number without a Twilio integration at butter",
    ),
}
UNASSIGN_REFUSALS: kit.StatusTable = {
    404: kit.Refused(
        kit.LinkErrorCode.ASSISTANT_NOT_FOUND, "butter has no agent {assistant}", None
    ),
    403: kit.FORBIDDEN,
    409: _ALREADY_ASSIGNED,
    400: kit.Refused(kit.LinkErrorCode.NOT_LINKED, "{number} is not assigned to agent {assistant}"),
}


class Adapter:
    name: ClassVar[kit.ProviderName] = kit.ProviderName.BUTTER
    info: ClassVar[kit.AdapterInfo] = kit.AdapterInfo(
        pagination=kit.Pagination.CURSOR,
        max_page_size=MAX_PAGE_SIZE,
        native_number_filters=frozenset({"status"}),
        assistant_pagination=kit.Pagination.CURSOR,
        assistant_max_page_size=MAX_PAGE_SIZE,
    )

    # Both documented headers; an unset organization id is left for Butter to reject.
    auth: ClassVar[kit.AuthScheme] = kit.AuthScheme(
        "X-API-Key", ids={"X-Organization-Id": "organization_id"}
    )

    def __init__(self, settings: ButterSettings, client: kit.UpstreamClient) -> None:
        self._client = client
        size = settings.page_size_param
        cursor = settings.cursor_param or CURSOR_PARAM
        # The lists page under the configured parameter names; the limit is clamped to
        # what Butter accepts.
        paging = kit.Cursor(
            MAX_PAGE_SIZE,
            cursor,
            next="pagination.next_cursor",
            has_more="pagination.has_more",
            limit=PAGE_SIZE_PARAM if size is None else size or None,
            hint=f": it does not read the cursor as {cursor!r} (see providers.butter.cursor_param)",
        )
        self._numbers = kit.ListEndpoint(
            self.name,
            "/api/phone-numbers",
            ButterNumber,
            paging,
            ButterList[ButterNumber],
            "data",
            "pagination.total_count",
        )
        self._agents = self._numbers.like("/api/agents", ButterAgent, ButterList[ButterAgent])

    async def list_phone_numbers(
        self, flt: kit.NumberFilter, page: kit.PageRequest
    ) -> kit.Page[kit.PhoneNumber]:
        status = _STATUS[flt.status] if flt.status is not None else None
        return await self._numbers.read(self._client, page, self._number, {"status": status})

    async def list_assistants(self, page: kit.PageRequest) -> kit.Page[kit.Assistant]:
        return await self._agents.read(self._client, page, self._assistant)

    async def get_assistant(self, native_id: str) -> kit.Assistant | None:
        return await kit.get_json_or_none(
            self._client,
            f"/api/agents/{quote(native_id, safe='')}",
            lambda body: self._assistant(kit.parse(self.name, ButterOne[ButterAgent], body).data),
        )

    async def link_phone_number(
        self, number: kit.PhoneNumber, assistant: kit.Assistant
    ) -> kit.LinkResult:
        kit.check_link(number, assistant, moves=False)
        path = f"/api/agents/{quote(assistant.native_id, safe='')}/assign-phone-number"
        try:
            body = await self._client.request_json(
                "POST", path, json_body={"phone_number_id": number.native_id}
            )
        except kit.UpstreamError as exc:
            write = kit.Write(self, number, assistant.native_id, "assign")
            raise await kit.refusal(ASSIGN_REFUSALS, exc, write) from None
        kit.parse(self.name, ButterAction, body)
        return kit.LinkResult(number.native_id, assistant.native_id)

    async def unlink_phone_number(self, number: kit.PhoneNumber) -> kit.LinkResult:
        holder = kit.check_unlink(number)
        path = (
            f"/api/agents/{quote(holder, safe='')}/unassign-phone-number/"
            f"{quote(number.native_id, safe='')}"
        )
        try:
            body = await self._client.request_json("POST", path)
        except kit.UpstreamError as exc:
            write = kit.Write(self, number, holder, "unassign")
            raise await kit.refusal(UNASSIGN_REFUSALS, exc, write) from None
        kit.parse(self.name, ButterAction, body)
        return kit.LinkResult(number.native_id, holder)

    def _number(self, n: ButterNumber) -> kit.PhoneNumber:
        return kit.PhoneNumber(
            provider=self.name,
            native_id=n.phone_number_id,
            number=n.phone_number,
            status=kit.NumberStatus.ASSIGNED
            if n.status == "assigned"
            else kit.NumberStatus.AVAILABLE,
            capabilities=kit.Capabilities(inbound=n.supports_inbound, outbound=n.supports_outbound),
            carrier=n.provider,
            assistant=kit.AssistantRef(self.name, n.assigned_agent_id)
            if n.assigned_agent_id
            else None,
            created_at=n.created_at,
        )

    def _assistant(self, a: ButterAgent) -> kit.Assistant:
        return kit.Assistant(
            provider=self.name,
            native_id=a.agent_id,
            name=a.agent_name,
            phone_number_ids=None
            if a.assigned_phone_number_ids is None
            else tuple(a.assigned_phone_number_ids),
        )


SPEC = kit.ProviderSpec(
    name=kit.ProviderName.BUTTER,
    title="Butter AI",
    description="Butter AI.",
    adapter=Adapter,
    settings=ButterSettings,
    emulator=emulator.create_app,
    default_base_url="https://api.getbutter.ai",
    required_ids=("organization_id",),
    docs_url="https://docs.getbutter.ai/api-reference",
    demo_ids={"organization_id": "org_demo"},
)
