"""Teli adapter: the SMS and voice number pools as one list, agents by ``agent_id``.

Teli lists SMS numbers (assigned to *users*, so they never carry an assistant) and voice
numbers (linked to agents by ``inbound_agent_id``/``outbound_agent_id``) on two endpoints,
neither paged. A voice number's routes are those two agents (inbound and outbound voice),
its ``assistant`` the inbound one, else the outbound one. Holding both whole lists, the
adapter filters status itself, exactly, and so declares it native.

Each endpoint's numbers stand on their own: when one of the two fails, the other's
numbers are returned with the failure as a partial error naming the endpoint. The voice
list needs a ``user_id`` by the docs; without one configured only SMS numbers are listed
(the voice endpoint is not called at all).

Linking sets a voice number's ``inbound_agent_id`` through
``POST /v1/voice/phone-numbers/{phone_number}/update-agent``; Teli overwrites the field, so
a number held by another agent moves (reported as the previous assistant). Unlinking
clears both ``inbound_agent_id`` and ``outbound_agent_id``, so the number routes to no
agent. SMS numbers are assigned to users, not agents: linking them is refused up front.
The agent id sent is the ``agent_id`` (the docs' example looks like a ``voice_agent_id``;
they are ambiguous, see providers.md E), unless the voice numbers listed hold
``voice_agent_id``s: then that id is sent. Where no linked number has been seen yet, a 404
for an agent the agent list has is sent once more with its ``voice_agent_id``, so a Teli
that takes only that id still links (and its number is not reported missing). For the same
reason a voice number may name its agent by ``voice_agent_id``: such ids (any not in
the documented ``agent_id`` format) are translated to ``agent_id`` through the agent
list, whose items carry both; if that list fails, its error is a partial error of the
number list and the ids stay as sent, so their assistant is an error, not a confident
null.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from pydantic import BeforeValidator

from ..emulators import teli as emulator
from . import kit

TELI = kit.ProviderName.TELI
SMS_NUMBERS = "/v1/sms/phone-numbers"
VOICE_NUMBERS = "/v1/voice/phone-numbers"
AGENTS = "/v1/agents"
# The documented agent_id format ("1763500416653x437043850941191495", a Bubble id).
_AGENT_ID = re.compile(r"\d+x\d+")


def _timestamp_or_none(value: Any) -> Any:
    # The voice schema types created_at as {}: keep an ISO string, drop anything else.
    return value if isinstance(value, str | datetime) else None


class _SmsUser(kit.UpstreamModel):
    user_id: str


class _SmsNumber(kit.UpstreamModel):
    id: str
    phone_number: str
    nickname: str | None = None
    is_available: bool
    assigned_to: _SmsUser | None = None
    created_at: datetime | None = None


class _VoiceNumber(kit.UpstreamModel):
    id: str
    phone_number: str
    nickname: str | None = None
    location: str | None = None
    provider: str | None = None
    inbound_agent_id: str | None = None
    outbound_agent_id: str | None = None
    created_at: Annotated[datetime | None, BeforeValidator(_timestamp_or_none)] = None


class _SmsList(kit.UpstreamModel):
    phone_numbers: list[_SmsNumber]


class _VoiceList(kit.UpstreamModel):
    phone_numbers: list[_VoiceNumber]


class _Agent(kit.UpstreamModel):
    agent_id: str
    agent_name: str
    agent_status: str | None = None
    voice_agent_id: str | None = None
    created_at: Annotated[datetime | None, BeforeValidator(_timestamp_or_none)] = None


class _AgentList(kit.UpstreamModel):
    agents: list[_Agent]


# Not paged: every read is the whole list, whatever page it asks for.
AGENT_LIST = kit.ListEndpoint(TELI, AGENTS, _Agent, body=_AgentList, items="agents")
NOMINAL_PAGE = 10_000
_WHOLE = kit.PageRequest(limit=NOMINAL_PAGE)


class _AgentEnvelope(kit.UpstreamModel):
    agent: _Agent


class _AgentUpdate(kit.UpstreamModel):
    """What update-agent answers: the number's agents after the change."""

    success: bool
    phone_number: str
    inbound_agent_id: str | None = None
    outbound_agent_id: str | None = None


def _voice_only(number: kit.PhoneNumber) -> None:
    if number.capabilities.voice is not True:
        raise kit.LinkError(
            kit.LinkErrorCode.NOT_LINKABLE,
            f"{number.number} is an SMS number: teli assigns SMS numbers to users, not agents",
            "phoneNumberId",
        )


def _sms_number(rec: _SmsNumber) -> kit.PhoneNumber:
    return kit.PhoneNumber(
        provider=TELI,
        native_id=rec.id,
        number=rec.phone_number,
        status=kit.NumberStatus.AVAILABLE if rec.is_available else kit.NumberStatus.ASSIGNED,
        display_name=rec.nickname,
        capabilities=kit.Capabilities(sms=True),
        created_at=rec.created_at,
    )


_INBOUND = kit.RouteKind(kit.RouteDirection.INBOUND, kit.RouteChannel.VOICE)
_OUTBOUND = kit.RouteKind(kit.RouteDirection.OUTBOUND, kit.RouteChannel.VOICE)


def _routed(n: kit.PhoneNumber, routes: tuple[kit.Route, ...]) -> kit.PhoneNumber:
    """``n`` with these routes, its assistant the primary one (the inbound agent)."""
    primary = kit.primary_route(routes)
    return replace(n, routes=routes, assistant=primary.assistant if primary else None)


def _voice_number(rec: _VoiceNumber) -> kit.PhoneNumber:
    # "" clears an assignment on update-agent, so treat it like null.
    routes = tuple(
        kit.Route(kit.AssistantRef(TELI, agent_id), kind)
        for agent_id, kind in ((rec.inbound_agent_id, _INBOUND), (rec.outbound_agent_id, _OUTBOUND))
        if agent_id
    )
    number = kit.PhoneNumber(
        provider=TELI,
        native_id=rec.id,
        number=rec.phone_number,
        status=kit.NumberStatus.ASSIGNED if routes else kit.NumberStatus.AVAILABLE,
        display_name=rec.nickname,
        locality=rec.location,
        capabilities=kit.Capabilities(voice=True),
        carrier=rec.provider,
        created_at=rec.created_at,
    )
    return _routed(number, routes)


def _assistant(rec: _Agent) -> kit.Assistant:
    active = None if rec.agent_status is None else rec.agent_status == "active"
    return kit.Assistant(
        provider=TELI,
        native_id=rec.agent_id,
        name=rec.agent_name,
        active=active,
        created_at=rec.created_at,
    )


class TeliSettings(kit.ProviderSettings):
    """Teli's organization, and the user its voice lists need (optional: without it only
    SMS numbers are listed; README)."""

    organization_id: str | None = None
    user_id: str | None = None


# The documented errors of update-agent. Linking, a 404 is the number or the agent.
_ACTION = "change the number's agent"
_NOT_ROUTABLE = kit.Refused(
    kit.LinkErrorCode.NOT_LINKABLE, "teli refused to route {number} to an agent"
)
LINK_REFUSALS: kit.StatusTable = {404: kit.WHICH_MISSING, 400: _NOT_ROUTABLE, 403: kit.FORBIDDEN}
UNLINK_REFUSALS: kit.StatusTable = {
    404: kit.Refused(kit.LinkErrorCode.PHONE_NUMBER_NOT_FOUND, "teli has no voice number {number}"),
    400: _NOT_ROUTABLE,
    403: kit.FORBIDDEN,
}


class Adapter:
    name: ClassVar[kit.ProviderName] = TELI
    # Neither list is paged: the page size is nominal, every response is the whole list.
    info: ClassVar[kit.AdapterInfo] = kit.AdapterInfo(
        pagination=kit.Pagination.NONE,
        max_page_size=NOMINAL_PAGE,
        native_number_filters=frozenset({"status"}),
    )

    auth: ClassVar[kit.AuthScheme] = kit.AuthScheme("X-API-Key")

    def __init__(self, settings: TeliSettings, client: kit.UpstreamClient) -> None:
        self._settings = settings
        self._client = client
        # Which id this Teli's voice numbers hold for their agents, as last listed: True
        # the voice_agent_id, False the agent_id, None not seen yet (no linked number).
        self._holds_voice_agent_ids: bool | None = None

    async def list_phone_numbers(
        self, flt: kit.NumberFilter, _page: kit.PageRequest
    ) -> kit.Page[kit.PhoneNumber]:
        """SMS numbers, then voice numbers; every one of the org's (``is_admin=true``).

        A failed endpoint is a partial error naming it; only when every endpoint asked
        failed is the whole list an error.
        """
        only_free = flt.status is kit.NumberStatus.AVAILABLE
        parts: list[tuple[str, Awaitable[Any], Callable[[Any], list[kit.PhoneNumber]]]] = [
            (
                SMS_NUMBERS,
                self._client.get_json(
                    SMS_NUMBERS,
                    {
                        "organization_id": self._org,
                        "include_assigned": False if only_free else None,
                    },
                ),
                lambda body: [
                    _sms_number(r) for r in kit.parse(TELI, _SmsList, body).phone_numbers
                ],
            )
        ]
        if self._settings.user_id:
            parts.append(
                (
                    VOICE_NUMBERS,
                    self._client.get_json(
                        VOICE_NUMBERS, {**self._admin_scope(), "phone_type": "voice"}
                    ),
                    lambda body: [
                        _voice_number(r) for r in kit.parse(TELI, _VoiceList, body).phone_numbers
                    ],
                )
            )
        bodies = await asyncio.gather(*(call for _, call, _ in parts), return_exceptions=True)
        numbers: list[kit.PhoneNumber] = []
        partial: list[kit.UpstreamError] = []
        for (endpoint, _, read), body in zip(parts, bodies, strict=True):
            try:
                if isinstance(body, BaseException):
                    raise body
                numbers += read(body)
            except kit.UpstreamError as exc:
                partial.append(kit.naming(exc, f"GET {endpoint}"))
        if len(partial) == len(parts):
            raise partial[0]
        try:
            numbers = await self._by_agent_id(numbers)
        except kit.UpstreamError as exc:
            partial.append(kit.naming(exc, f"GET {AGENTS}"))
        if flt.status is not None:
            # Voice numbers have no upstream status filter; recheck SMS too, to stay exact.
            numbers = [n for n in numbers if n.status is flt.status]
        return kit.Page(numbers, total=len(numbers), partial=tuple(partial))

    async def list_assistants(self, page: kit.PageRequest) -> kit.Page[kit.Assistant]:
        return await AGENT_LIST.read(self._client, page, _assistant, self._admin_scope())

    async def _agents(self) -> list[_Agent]:
        listed = await AGENT_LIST.read(self._client, _WHOLE, lambda a: a, self._admin_scope())
        return listed.items

    async def _by_agent_id(self, numbers: list[kit.PhoneNumber]) -> list[kit.PhoneNumber]:
        """``numbers`` with every agent named by its ``agent_id``: a number that names it
        by ``voice_agent_id`` is pointed at the agent the list says has that id. The list
        is read only when some id is not in the ``agent_id`` format."""
        held = [r.assistant.native_id for n in numbers for r in n.routes]
        odd = {i for i in held if not _AGENT_ID.fullmatch(i)}
        if held:
            self._holds_voice_agent_ids = bool(odd)
        if not odd:
            return numbers
        table = {a.voice_agent_id: a.agent_id for a in await self._agents() if a.voice_agent_id}

        def renamed(route: kit.Route) -> kit.Route:
            native_id = table.get(route.assistant.native_id, route.assistant.native_id)
            return replace(route, assistant=kit.AssistantRef(TELI, native_id))

        return [_routed(n, tuple(renamed(r) for r in n.routes)) if n.routes else n for n in numbers]

    async def get_assistant(self, native_id: str) -> kit.Assistant | None:
        if not native_id:
            return None  # "/v1/agents/" would be the list, not a lookup
        return await kit.get_json_or_none(
            self._client,
            f"{AGENTS}/{quote(native_id, safe='')}",
            lambda payload: _assistant(kit.parse(TELI, _AgentEnvelope, payload).agent),
            {"organization_id": self._org},
        )

    async def link_phone_number(
        self, number: kit.PhoneNumber, assistant: kit.Assistant
    ) -> kit.LinkResult:
        _voice_only(number)
        previous = kit.check_link(number, assistant, moves=True)
        write = kit.Write(self, number, assistant.native_id, "link", _ACTION)

        async def by_voice_agent_id() -> dict[str, str] | None:
            agents = await self._agents()
            agent = next((a for a in agents if a.agent_id == assistant.native_id), None)
            if agent is None or not agent.voice_agent_id or agent.voice_agent_id == agent.agent_id:
                return None
            return {"inbound_agent_id": agent.voice_agent_id}

        # The docs ask for the agent_id, their example is a voice_agent_id: send the id
        # this Teli's numbers hold; not known yet, the agent_id, and after a 404 for an
        # agent the list has, once more by its voice_agent_id.
        body = {"inbound_agent_id": assistant.native_id}
        if self._holds_voice_agent_ids:
            body = await by_voice_agent_id() or body
        again = by_voice_agent_id if self._holds_voice_agent_ids is None else None
        await self._update_agent(write, body, LINK_REFUSALS, again=again)
        return kit.LinkResult(number.native_id, assistant.native_id, previous_assistant_id=previous)

    async def unlink_phone_number(self, number: kit.PhoneNumber) -> kit.LinkResult:
        _voice_only(number)
        holder = kit.check_unlink(number)
        write = kit.Write(self, number, holder, "unlink", _ACTION)
        cleared = {"inbound_agent_id": "", "outbound_agent_id": ""}
        await self._update_agent(write, cleared, UNLINK_REFUSALS)
        return kit.LinkResult(number.native_id, holder)

    async def _update_agent(
        self,
        write: kit.Write,
        body: dict[str, str],
        refusals: kit.StatusTable,
        *,
        again: Callable[[], Awaitable[dict[str, str] | None]] | None = None,
    ) -> None:
        """One update-agent call, never repeated as it was; its documented errors as
        refusals. ``again``: after a 404 (nothing changed), the other body to send once,
        if it has one."""
        number = write.number
        path = f"{VOICE_NUMBERS}/{quote(number.number, safe='')}/update-agent"
        params = {"organization_id": self._org}
        try:
            payload = await self._client.request_json("POST", path, params=params, json_body=body)
        except kit.UpstreamError as exc:
            retry = await again() if again is not None and exc.status == 404 else None
            if retry is None:
                raise await kit.refusal(refusals, exc, write) from None
            try:
                payload = await self._client.request_json(
                    "POST", path, params=params, json_body=retry
                )
            except kit.UpstreamError as second:
                raise await kit.refusal(refusals, second, write) from None
        if not kit.parse(TELI, _AgentUpdate, payload).success:
            raise kit.LinkError(
                kit.LinkErrorCode.NOT_LINKABLE, f"teli did not update the agent of {number.number}"
            )

    @property
    def _org(self) -> str | None:
        return self._settings.organization_id

    def _admin_scope(self) -> dict[str, Any]:
        """Voice numbers and agents are per user unless ``is_admin``; we want the whole org.

        ``user_id`` is left out when none is configured (agents need it only for
        non-admins; voice numbers are then not asked for at all)."""
        return {"organization_id": self._org, "user_id": self._settings.user_id, "is_admin": True}


SPEC = kit.ProviderSpec(
    name=TELI,
    title="Teli",
    description="Teli: SMS numbers (routed to users) and voice numbers (routed to agents).",
    adapter=Adapter,
    settings=TeliSettings,
    emulator=emulator.create_app,
    default_base_url="https://api.teli.ai",
    required_ids=("organization_id",),
    docs_url="https://docs.teli.ai",
    demo_ids={"organization_id": "org_demo", "user_id": "1762896364768x389173798861431550"},
)
