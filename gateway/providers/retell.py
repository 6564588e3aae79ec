"""Retell AI (api.retellai.com; ../shared/providers-vapi-retell.md B): cursor-paged numbers
keyed by their E.164, weighted agent lists per direction, and agent summaries by POST.

Numbers are read from ``GET /v2/list-phone-numbers`` (``limit`` up to 1000 and
``pagination_key``; ``has_more`` ends the list, a missing one counts as false). Where
the v2 path answers 404/405 on a first page, the legacy bare array
``GET /list-phone-numbers`` is read instead (the whole list at once). Nothing is
remembered: a passing 404 costs one page, and v2 is asked again next time (the failure
memory spares the wire meanwhile). A number's native id is its E.164, sent in paths with
a literal ``+`` as the SDK sends it.

A number binds weighted lists of agents (``inbound_agents``, ``outbound_agents`` and the
SMS pair; the legacy single ``*_agent_id`` fields, removed in April 2026, are read where
a list is empty or unset, as Retell itself fell back to them). Each entry is a route;
the number's ``assistant`` is its primary one (``primary_route``: the inbound voice agent
with the largest share) and it is ASSIGNED when any route exists, as Retell has no status
field. ``custom`` numbers (imported over SIP) have no carrier; the others are Retell's
Twilio or Telnyx numbers. Retell numbers have no creation time, and agent summaries say
nothing of being active, so ``created_at`` and ``active`` are null.

Agents come from ``POST /v2/list-agents`` (voice only, by ``filter_criteria.channel``,
and dropped here too if another channel arrives) and ``GET /get-agent/{agent_id}``. The
documented not-found answer is 422 ("Cannot find requested asset under given api key.");
404, reported in live use, is read the same way. The upstream layer does not pass error
bodies up, so any 422 of these get-one and update endpoints is taken for not found.

Linking is ``PATCH /update-phone-number/{phone_number}`` setting the inbound and outbound
voice lists to the agent alone (weight 1); a number held by another agent moves. Unlinking
sends ``null`` for every list that holds an agent: the docs do not say whether ``null`` or
``[]`` unbinds a list, so the answer is checked, and one that still binds an agent is
``NOT_SUPPORTED`` rather than taken for success; a link answered without the agent bound
is ``UPSTREAM_BAD_RESPONSE`` naming Retell.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar
from urllib.parse import quote

from pydantic import RootModel

from ..emulators import retell as emulator
from . import kit

RETELL = kit.ProviderName.RETELL
NUMBERS = "/list-phone-numbers"
NUMBERS_V2 = "/v2/list-phone-numbers"
AGENTS_V2 = "/v2/list-agents"
MAX_LIMIT = 1000  # documented: limit <= 1000
# The documented not-found (B.8), and the 404 seen in live use.
NOT_FOUND = frozenset({404, 422})
VOICE_ONLY = {"filter_criteria": {"channel": {"op": "eq", "type": "string", "value": "voice"}}}
_CARRIERS = {"retell-twilio": "twilio", "retell-telnyx": "telnyx"}
_V = kit.RouteChannel.VOICE
_S = kit.RouteChannel.SMS
_IN = kit.RouteDirection.INBOUND
_OUT = kit.RouteDirection.OUTBOUND
# Each list, its legacy single-agent field, and the route kind of its entries.
_LISTS: tuple[tuple[str, str, kit.RouteKind], ...] = (
    ("inbound_agents", "inbound_agent_id", kit.RouteKind(_IN, _V)),
    ("outbound_agents", "outbound_agent_id", kit.RouteKind(_OUT, _V)),
    ("inbound_sms_agents", "inbound_sms_agent_id", kit.RouteKind(_IN, _S)),
    ("outbound_sms_agents", "outbound_sms_agent_id", kit.RouteKind(_OUT, _S)),
)
LINKED = ("inbound_agents", "outbound_agents")

ItemT = TypeVar("ItemT")


class _AgentWeight(kit.UpstreamModel):
    agent_id: str
    weight: float


class _Number(kit.UpstreamModel):
    phone_number: str
    # Required since 2025 (optional in older SDKs): a number without one has no carrier.
    phone_number_type: str | None = None
    nickname: str | None = None
    last_modification_timestamp: int
    inbound_agents: list[_AgentWeight] | None = None
    outbound_agents: list[_AgentWeight] | None = None
    inbound_sms_agents: list[_AgentWeight] | None = None
    outbound_sms_agents: list[_AgentWeight] | None = None
    inbound_agent_id: str | None = None
    outbound_agent_id: str | None = None
    inbound_sms_agent_id: str | None = None
    outbound_sms_agent_id: str | None = None

    def routes(self) -> tuple[kit.Route, ...]:
        """Every binding, list by list; a legacy field stands in for an empty list."""
        out: list[kit.Route] = []
        for listed, legacy, kind in _LISTS:
            weights: list[_AgentWeight] | None = getattr(self, listed)
            single: str | None = getattr(self, legacy)
            if weights:
                out += [kit.Route(_ref(w.agent_id), kind, w.weight) for w in weights]
            elif single:
                out.append(kit.Route(_ref(single), kind))
        return tuple(out)


class _Paged(kit.UpstreamModel, Generic[ItemT]):
    """The v2 list envelope; every field optional in the schema (B.11)."""

    items: list[ItemT] | None = None
    pagination_key: str | None = None
    has_more: bool | None = None


class _AgentSummary(kit.UpstreamModel):
    agent_id: str
    agent_name: str | None = None
    channel: str | None = None


# limit <= 1000 and pagination_key; has_more (left out: false) ends the list.
PAGED = kit.Cursor(MAX_LIMIT, "pagination_key", next="pagination_key", has_more="has_more")
NUMBER_LIST = kit.ListEndpoint(RETELL, NUMBERS_V2, _Number, PAGED, _Paged[_Number], "items")
# A read sent as POST, voice agents only: retried, coalesced and cached like the GETs.
AGENT_LIST = kit.ListEndpoint(
    RETELL,
    AGENTS_V2,
    _AgentSummary,
    PAGED,
    _Paged[_AgentSummary],
    "items",
    method="POST",
    json=VOICE_ONLY,
)


class _Agent(kit.UpstreamModel):
    agent_id: str
    agent_name: str | None = None


_Numbers = RootModel[list[_Number]]


def _ref(agent_id: str) -> kit.AssistantRef:
    return kit.AssistantRef(RETELL, agent_id)


def _number(n: _Number) -> kit.PhoneNumber:
    routes = n.routes()
    primary = kit.primary_route(routes)
    return kit.PhoneNumber(
        provider=RETELL,
        native_id=n.phone_number,
        number=n.phone_number,
        status=kit.NumberStatus.ASSIGNED if routes else kit.NumberStatus.AVAILABLE,
        display_name=n.nickname,
        carrier=_CARRIERS.get(n.phone_number_type or ""),
        assistant=primary.assistant if primary else None,
        updated_at=datetime.fromtimestamp(n.last_modification_timestamp / 1000, UTC),
        routes=routes,
    )


def _assistant(agent_id: str, name: str | None) -> kit.Assistant:
    # agent_name is nullable on get-agent: an unnamed agent is shown by its id.
    return kit.Assistant(provider=RETELL, native_id=agent_id, name=name or agent_id)


class Adapter(kit.ClientAdapter):
    """Retell filters nothing the gateway asks for: status comes from the routes."""

    name: ClassVar[kit.ProviderName] = RETELL
    info: ClassVar[kit.AdapterInfo] = kit.AdapterInfo(
        pagination=kit.Pagination.CURSOR,
        max_page_size=MAX_LIMIT,
        assistant_pagination=kit.Pagination.CURSOR,
        assistant_max_page_size=MAX_LIMIT,
    )

    auth: ClassVar[kit.AuthScheme] = kit.BEARER

    async def list_phone_numbers(
        self, _flt: kit.NumberFilter, page: kit.PageRequest
    ) -> kit.Page[kit.PhoneNumber]:
        try:
            return await NUMBER_LIST.read(self._client, page, _number)
        except kit.UpstreamHTTPError as exc:
            # Not served here (404/405): the legacy array, which only a first page can use.
            if exc.status not in kit.LOOKUP_ABSENT or page.cursor is not None:
                raise
            return await self._legacy_numbers(exc)

    async def _legacy_numbers(self, v2_error: kit.UpstreamHTTPError) -> kit.Page[kit.PhoneNumber]:
        """Every number from ``GET /list-phone-numbers``; where that is not served either,
        the v2 list's error stands."""
        try:
            payload = await self._client.get_json(NUMBERS)
        except kit.UpstreamHTTPError as exc:
            if exc.status in kit.LOOKUP_ABSENT:
                raise v2_error from None
            raise
        listed = kit.parse(RETELL, _Numbers, payload).root
        return kit.Page([_number(n) for n in listed], total=len(listed))

    async def list_assistants(self, page: kit.PageRequest) -> kit.Page[kit.Assistant]:
        listed = await AGENT_LIST.read(self._client, page, lambda a: a)
        agents = [
            _assistant(a.agent_id, a.agent_name)
            for a in listed.items
            if a.channel in (None, "voice")
        ]
        return kit.Page(agents, next_cursor=listed.next_cursor)

    async def get_assistant(self, native_id: str) -> kit.Assistant | None:
        if not native_id:
            return None  # "/get-agent/" names no agent
        try:
            payload = await self._client.get_json(f"/get-agent/{quote(native_id, safe='')}")
        except kit.UpstreamHTTPError as exc:
            if exc.status in NOT_FOUND:
                return None
            raise
        agent = kit.parse(RETELL, _Agent, payload)
        return _assistant(agent.agent_id, agent.agent_name)

    async def link_phone_number(
        self, number: kit.PhoneNumber, assistant: kit.Assistant
    ) -> kit.LinkResult:
        previous = kit.check_link(number, assistant, moves=True)
        alone = [{"agent_id": assistant.native_id, "weight": 1}]
        write = kit.Write(self, number, assistant.native_id, "link")
        shown = await self._patch(write, dict.fromkeys(LINKED, alone), LINK_REFUSALS)
        bound = {(r.kind, r.assistant.native_id, r.weight) for r in shown.routes()}
        wanted = {(kind, assistant.native_id, 1.0) for name, _, kind in _LISTS if name in LINKED}
        if not wanted <= bound or any(
            r.kind.channel is _V and r.assistant.native_id != assistant.native_id
            for r in shown.routes()
        ):
            raise kit.UpstreamBadResponse(
                RETELL, "PATCH answered a number whose voice agents are not the new agent alone"
            )
        return kit.LinkResult(number.native_id, assistant.native_id, previous_assistant_id=previous)

    async def unlink_phone_number(self, number: kit.PhoneNumber) -> kit.LinkResult:
        holder = kit.check_unlink(number)
        held = {name for name, _, kind in _LISTS if any(r.kind == kind for r in number.routes)}
        # ASSUMPTION: null unbinds a list (B.5: NOT FOUND; the legacy fields took null);
        # checked below.
        write = kit.Write(self, number, holder, "unlink")
        cleared = dict.fromkeys(sorted(held | set(LINKED)))
        shown = await self._patch(write, cleared, UNLINK_REFUSALS)
        if shown.routes():
            raise kit.LinkError(
                kit.LinkErrorCode.NOT_SUPPORTED,
                f"retell kept {number.number} bound to an agent: it did not unbind the "
                "agent lists it was sent null for",
                "phoneNumberId",
            )
        return kit.LinkResult(number.native_id, holder)

    async def _patch(
        self, write: kit.Write, change: dict[str, Any], table: kit.StatusTable
    ) -> _Number:
        """One ``PATCH``, never repeated; Retell's documented errors as refusals."""
        try:
            payload = await self._client.request_json(
                "PATCH", f"/update-phone-number/{write.number.native_id}", json_body=change
            )
        except kit.UpstreamError as exc:
            raise await kit.refusal(table, exc, write) from None
        return kit.parse(RETELL, _Number, payload)


# Upstream status -> how a refused write reads (B.5, B.8): 422 is the documented not
# found (404 seen in live use); on a link it may be the number or the agent.
LINK_REFUSALS: kit.StatusTable = {
    422: kit.WHICH_MISSING,
    404: kit.WHICH_MISSING,
    400: kit.Refused(kit.LinkErrorCode.NOT_LINKABLE, "retell refused to {verb} {number}"),
    403: kit.FORBIDDEN,
}
UNLINK_REFUSALS: kit.StatusTable = {
    **LINK_REFUSALS,
    422: kit.Refused(kit.LinkErrorCode.PHONE_NUMBER_NOT_FOUND, "retell no longer has {number}"),
    404: kit.Refused(kit.LinkErrorCode.PHONE_NUMBER_NOT_FOUND, "retell no longer has {number}"),
}


SPEC = kit.ProviderSpec(
    name=RETELL,
    title="Retell AI",
    description="Retell AI (retellai.com); a number may split its calls between agents.",
    adapter=Adapter,
    settings=kit.ProviderSettings,
    emulator=emulator.create_app,
    default_base_url="https://api.retellai.com",
    docs_url="https://docs.retellai.com/api-references",
)
