"""Synthflow Platform API v2 (``Authorization: Bearer``; every number call needs ``workspace``).

Numbers carry no agent link: the list item is only ``{number, sid, is_available}``. Agents
hold their numbers by E.164 (``phone_number`` inbound, ``attached_phone_numbers``
outbound), so the gateway resolves number -> assistant from the assistants
(``links_by_number``). The native number id is the slug: the E.164 without ``+``.

Linking is inbound: ``PUT /v2/assistants/{model_id}`` with ``phone_number``. An agent has
one inbound number, so linking replaces the one it had (reported as released), and no two
agents share an inbound number. The gateway shows one assistant per number, so it also
refuses a number another agent holds for outbound calls (unlink it first). Unlinking
clears the inbound ``phone_number`` of every agent holding the number and detaches it
(``DELETE /v2/assistants/{model_id}/phone_numbers/{slug}``) where it is attached.

The docs show ``attached_phone_numbers`` on the get-one agent only. A list item that
leaves it out does not say "no outbound numbers", so the adapter reads that agent's
get-one item (documented) for them; if that fails, the page fails with Synthflow's
error, never an agent silently without its numbers. The docs publish no page-size
maximum: a page may be shorter than asked, and is followed by ``total_records``.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import ClassVar
from urllib.parse import quote

from ..config import ProviderSettings
from ..emulators import synthflow as emulator
from ..errors import UpstreamError, UpstreamHTTPError
from ..model import Assistant, AssistantRef, NumberStatus, PhoneNumber, ProviderName
from ..upstream import UpstreamClient
from .auth import BEARER, AuthScheme
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
    get_json_or_none,
    parse,
)
from .refusals import FORBIDDEN, Refused, StatusTable, Write, refusal
from .spec import ProviderSpec

NUMBERS_PATH = "/v2/numbers"
ASSISTANTS_PATH = "/v2/assistants/"  # the documented path has the trailing slash
# The docs publish no page-size limit; 100 is what the emulator enforces.
MAX_PAGE = 100


class _Pagination(UpstreamModel):
    total_records: int
    limit: int
    offset: int


class _Number(UpstreamModel):
    number: str
    sid: str | None = None
    is_available: bool


class _NumbersPage(UpstreamModel):
    pagination: _Pagination
    phone_numbers: list[_Number]


class _NumbersBody(UpstreamModel):
    status: str
    response: _NumbersPage


class _Attached(UpstreamModel):
    number: str
    sid: str | None = None
    slug: str | None = None


class _Agent(UpstreamModel):
    model_id: str
    name: str
    phone_number: str | None = None
    # Documented on the get-one item; a list item may leave it out (``None``: not said).
    attached_phone_numbers: list[_Attached] | None = None


class _AgentsPage(UpstreamModel):
    pagination: _Pagination | None = None
    assistants: list[_Agent]


class _AgentsBody(UpstreamModel):
    status: str
    response: _AgentsPage


class _NumberDetail(UpstreamModel):
    """``GET /v2/numbers/{slug}``: the flat detail; ``assistants`` are the holders' ids."""

    phone_number: str
    assistants: list[str] = []


class _Updated(UpstreamModel):
    model_id: str


class _UpdateBody(UpstreamModel):
    status: str
    response: _Updated


class _StatusBody(UpstreamModel):
    status: str


def _slug(e164: str) -> str:
    return e164.removeprefix("+")


class SynthflowSettings(ProviderSettings):
    """Every Synthflow number call names its workspace."""

    workspace: str | None = None


_NO_AGENT = Refused(
    LinkErrorCode.ASSISTANT_NOT_FOUND, "synthflow has no agent {assistant}", "assistantId"
)
_NO_HOLDER = replace(_NO_AGENT, field=None)  # the agent unlinked from is no input
LINK_REFUSALS: StatusTable = {
    404: _NO_AGENT,
    403: FORBIDDEN,
    # The number became another agent's inbound one.
    400: Refused(
        LinkErrorCode.LINKED_ELSEWHERE,
        "synthflow refused {number}: another agent holds it as its inbound number",
    ),
}
UNLINK_REFUSALS: StatusTable = {
    404: _NO_HOLDER,
    403: FORBIDDEN,
    400: Refused(LinkErrorCode.NOT_LINKED, "{number} is no longer attached to agent {assistant}"),
}


class Adapter:
    name: ClassVar[ProviderName] = ProviderName.SYNTHFLOW
    info: ClassVar[AdapterInfo] = AdapterInfo(
        pagination=Pagination.OFFSET,
        max_page_size=MAX_PAGE,
        native_number_filters=frozenset({"status"}),  # is_available, totals are filtered
        assistant_pagination=Pagination.OFFSET,
        assistant_max_page_size=MAX_PAGE,
        links_by_number=True,
    )

    auth: ClassVar[AuthScheme] = BEARER

    def __init__(self, settings: SynthflowSettings, client: UpstreamClient) -> None:
        self._workspace = settings.workspace
        self._client = client

    async def list_phone_numbers(self, flt: NumberFilter, page: PageRequest) -> Page[PhoneNumber]:
        available = None if flt.status is None else flt.status is NumberStatus.AVAILABLE
        payload = await self._client.get_json(
            NUMBERS_PATH,
            {
                "workspace": self._workspace,
                "limit": min(page.limit, MAX_PAGE),
                "offset": page.offset,
                "is_available": available,
            },
        )
        body = parse(self.name, _NumbersBody, payload).response
        return Page(
            items=[self._number(n) for n in body.phone_numbers],
            total=body.pagination.total_records,
        )

    async def list_assistants(self, page: PageRequest) -> Page[Assistant]:
        payload = await self._client.get_json(
            ASSISTANTS_PATH, {"limit": min(page.limit, MAX_PAGE), "offset": page.offset}
        )
        body = parse(self.name, _AgentsBody, payload).response
        total = body.pagination.total_records if body.pagination else None
        agents = await asyncio.gather(*(self._complete(a) for a in body.assistants))
        return Page(items=[self._assistant(a) for a in agents], total=total)

    async def _complete(self, agent: _Agent) -> _Agent:
        """``agent`` with its outbound numbers: from its get-one item where the list item
        does not carry them. Gone since the list (404): the list item, as it stood."""
        if agent.attached_phone_numbers is not None:
            return agent
        found = await self._agents(agent.model_id)
        return found[0] if found else agent

    async def get_assistant(self, native_id: str) -> Assistant | None:
        agents = await self._agents(native_id)
        return self._assistant(agents[0]) if agents else None

    async def link_phone_number(self, number: PhoneNumber, assistant: Assistant) -> LinkResult:
        holders = await self._holders(number)
        holder = (
            assistant.native_id if assistant.native_id in holders else next(iter(holders), None)
        )
        held = (
            number if holder is None else replace(number, assistant=AssistantRef(self.name, holder))
        )
        check_link(held, assistant, moves=False)
        write = Write(self, number, assistant.native_id, "link")
        agent = await self._agent(write, _NO_AGENT)
        await self._write(
            "PUT",
            f"/v2/assistants/{quote(assistant.native_id, safe='')}",
            {"phone_number": number.number},
            write,
            LINK_REFUSALS,
        )
        old = agent.phone_number
        outbound = {x.number for x in agent.attached_phone_numbers or ()}
        released = (_slug(old),) if old and old != number.number and old not in outbound else ()
        return LinkResult(number.native_id, assistant.native_id, released_phone_number_ids=released)

    async def unlink_phone_number(self, number: PhoneNumber) -> LinkResult:
        holders = await self._holders(number)
        check_unlink(
            replace(number, assistant=AssistantRef(self.name, holders[0])) if holders else number
        )
        for model_id in holders:
            write = Write(self, number, model_id, "unlink")
            agent = await self._agent(write, _NO_HOLDER)
            path = f"/v2/assistants/{quote(model_id, safe='')}"
            if agent.phone_number == number.number:
                await self._write("PUT", path, {"phone_number": ""}, write, UNLINK_REFUSALS)
            if number.number in {x.number for x in agent.attached_phone_numbers or ()}:
                slug = quote(number.native_id, safe="")
                await self._write(
                    "DELETE", f"{path}/phone_numbers/{slug}", None, write, UNLINK_REFUSALS
                )
        return LinkResult(number.native_id, holders[0])

    async def _holders(self, number: PhoneNumber) -> list[str]:
        """The agents holding ``number`` (inbound or outbound), from the number's detail."""
        path = f"{NUMBERS_PATH}/{quote(number.native_id, safe='')}"
        try:
            payload = await self._client.get_json(path, {"workspace": self._workspace})
        except UpstreamHTTPError as exc:
            if exc.status == 404:
                raise LinkError(
                    LinkErrorCode.PHONE_NUMBER_NOT_FOUND,
                    f"synthflow has no number {number.number}",
                    "phoneNumberId",
                ) from None
            raise
        return list(dict.fromkeys(parse(self.name, _NumberDetail, payload).assistants))

    async def _agents(self, model_id: str) -> list[_Agent]:
        """The agent records Synthflow shows under ``model_id``: none when it answers 404."""
        found = await get_json_or_none(
            self._client,
            f"/v2/assistants/{quote(model_id, safe='')}",
            lambda payload: parse(self.name, _AgentsBody, payload).response.assistants,
        )
        return found or []

    async def _agent(self, write: Write, missing: Refused) -> _Agent:
        """The raw agent (its inbound ``phone_number`` and ``attached_phone_numbers``);
        ``missing`` where Synthflow has none."""
        agents = await self._agents(write.assistant_id)
        if not agents:
            raise missing.error(write)
        return agents[0]

    async def _write(
        self, method: str, path: str, body: object, write: Write, refusals: StatusTable
    ) -> None:
        """One write, never repeated; the documented 400/404 ``detail`` errors as refusals."""
        try:
            payload = await self._client.request_json(method, path, json_body=body)
        except UpstreamError as exc:
            raise await refusal(refusals, exc, write) from None
        parse(self.name, _UpdateBody if method == "PUT" else _StatusBody, payload)

    def _number(self, n: _Number) -> PhoneNumber:
        # The list item has no link, name, type, capabilities or carrier: those stay None.
        return PhoneNumber(
            provider=self.name,
            native_id=_slug(n.number),
            number=n.number,
            status=NumberStatus.AVAILABLE if n.is_available else NumberStatus.ASSIGNED,
        )

    def _assistant(self, a: _Agent) -> Assistant:
        """``phone_numbers`` lists the inbound number first, then the attached ones."""
        numbers = [a.phone_number] if a.phone_number else []
        numbers += [x.number for x in a.attached_phone_numbers or ()]
        unique = tuple(dict.fromkeys(numbers))
        return Assistant(
            provider=self.name,
            native_id=a.model_id,
            name=a.name,
            phone_number_ids=tuple(_slug(n) for n in unique),
            phone_numbers=unique,
        )


SPEC = ProviderSpec(
    name=ProviderName.SYNTHFLOW,
    title="Synthflow",
    description="Synthflow (EU or US host).",
    adapter=Adapter,
    settings=SynthflowSettings,
    emulator=emulator.create_app,
    default_base_url="https://api.synthflow.ai",
    required_ids=("workspace",),
    docs_url="https://docs.synthflow.ai/api-reference",
    demo_ids={"workspace": "1710107690998x536152705164378100"},
)
