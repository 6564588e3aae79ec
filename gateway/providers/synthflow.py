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

from ..emulators import synthflow as emulator
from . import kit

NUMBERS_PATH = "/v2/numbers"
ASSISTANTS_PATH = "/v2/assistants/"  # the documented path has the trailing slash
# The docs publish no page-size limit; 100 is what the emulator enforces.
MAX_PAGE = 100


class _Pagination(kit.UpstreamModel):
    total_records: int
    limit: int
    offset: int


class _Number(kit.UpstreamModel):
    number: str
    sid: str | None = None
    is_available: bool


class _NumbersPage(kit.UpstreamModel):
    pagination: _Pagination
    phone_numbers: list[_Number]


class _NumbersBody(kit.UpstreamModel):
    status: str
    response: _NumbersPage


class _Attached(kit.UpstreamModel):
    number: str
    sid: str | None = None
    slug: str | None = None


class _Agent(kit.UpstreamModel):
    model_id: str
    name: str
    phone_number: str | None = None
    # Documented on the get-one item; a list item may leave it out (``None``: not said).
    attached_phone_numbers: list[_Attached] | None = None


class _AgentsPage(kit.UpstreamModel):
    pagination: _Pagination | None = None
    assistants: list[_Agent]


class _AgentsBody(kit.UpstreamModel):
    status: str
    response: _AgentsPage


class _NumberDetail(kit.UpstreamModel):
    """``GET /v2/numbers/{slug}``: the flat detail; ``assistants`` are the holders' ids."""

    phone_number: str
    assistants: list[str] = []


class _Updated(kit.UpstreamModel):
    model_id: str


class _UpdateBody(kit.UpstreamModel):
    status: str
    response: _Updated


class _StatusBody(kit.UpstreamModel):
    status: str


PAGED = kit.LimitOffset(MAX_PAGE)
NUMBERS = kit.ListEndpoint(
    kit.ProviderName.SYNTHFLOW,
    NUMBERS_PATH,
    _Number,
    PAGED,
    _NumbersBody,
    "response.phone_numbers",
    "response.pagination.total_records",
)
# Read like the number list; a page whose ``pagination`` is left out has no total.
ASSISTANTS = NUMBERS.like(ASSISTANTS_PATH, _Agent, _AgentsBody, "response.assistants")


def _slug(e164: str) -> str:
    return e164.removeprefix("+")


class SynthflowSettings(kit.ProviderSettings):
    """Every Synthflow number call names its workspace."""

    workspace: str | None = None


_NO_AGENT = kit.Refused(
    kit.LinkErrorCode.ASSISTANT_NOT_FOUND, "synthflow has no agent {assistant}", "assistantId"
)
_NO_HOLDER = replace(_NO_AGENT, field=None)  # the agent unlinked from is no input
LINK_REFUSALS: kit.StatusTable = {
    404: _NO_AGENT,
    403: kit.FORBIDDEN,
    # The number became another agent's inbound one.
    400: kit.Refused(
        kit.LinkErrorCode.LINKED_ELSEWHERE,
        "synthflow refused {number}: another agent holds it as its inbound number",
    ),
}
UNLINK_REFUSALS: kit.StatusTable = {
    404: _NO_HOLDER,
    403: kit.FORBIDDEN,
    400: kit.Refused(
        kit.LinkErrorCode.NOT_LINKED, "{number} is no longer attached to agent {assistant}"
    ),
}


class Adapter:
    name: ClassVar[kit.ProviderName] = kit.ProviderName.SYNTHFLOW
    info: ClassVar[kit.AdapterInfo] = kit.AdapterInfo(
        pagination=kit.Pagination.OFFSET,
        max_page_size=MAX_PAGE,
        native_number_filters=frozenset({"status"}),  # is_available, totals are filtered
        assistant_pagination=kit.Pagination.OFFSET,
        assistant_max_page_size=MAX_PAGE,
        links_by_number=True,
    )

    auth: ClassVar[kit.AuthScheme] = kit.BEARER

    def __init__(self, settings: SynthflowSettings, client: kit.UpstreamClient) -> None:
        self._workspace = settings.workspace
        self._client = client

    async def list_phone_numbers(
        self, flt: kit.NumberFilter, page: kit.PageRequest
    ) -> kit.Page[kit.PhoneNumber]:
        available = None if flt.status is None else flt.status is kit.NumberStatus.AVAILABLE
        scope = {"workspace": self._workspace, "is_available": available}
        return await NUMBERS.read(self._client, page, self._number, scope)

    async def list_assistants(self, page: kit.PageRequest) -> kit.Page[kit.Assistant]:
        listed = await ASSISTANTS.read(self._client, page, self._complete)
        agents = await asyncio.gather(*listed.items)
        return kit.Page(items=[self._assistant(a) for a in agents], total=listed.total)

    async def _complete(self, agent: _Agent) -> _Agent:
        """``agent`` with its outbound numbers: from its get-one item where the list item
        does not carry them. Gone since the list (404): the list item, as it stood."""
        if agent.attached_phone_numbers is not None:
            return agent
        found = await self._agents(agent.model_id)
        return found[0] if found else agent

    async def get_assistant(self, native_id: str) -> kit.Assistant | None:
        agents = await self._agents(native_id)
        return self._assistant(agents[0]) if agents else None

    async def link_phone_number(
        self, number: kit.PhoneNumber, assistant: kit.Assistant
    ) -> kit.LinkResult:
        holders = await self._holders(number)
        holder = (
            assistant.native_id if assistant.native_id in holders else next(iter(holders), None)
        )
        held = (
            number
            if holder is None
            else replace(number, assistant=kit.AssistantRef(self.name, holder))
        )
        kit.check_link(held, assistant, moves=False)
        write = kit.Write(self, number, assistant.native_id, "link")
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
        return kit.LinkResult(
            number.native_id, assistant.native_id, released_phone_number_ids=released
        )

    async def unlink_phone_number(self, number: kit.PhoneNumber) -> kit.LinkResult:
        holders = await self._holders(number)
        kit.check_unlink(
            replace(number, assistant=kit.AssistantRef(self.name, holders[0]))
            if holders
            else number
        )
        for model_id in holders:
            write = kit.Write(self, number, model_id, "unlink")
            agent = await self._agent(write, _NO_HOLDER)
            path = f"/v2/assistants/{quote(model_id, safe='')}"
            if agent.phone_number == number.number:
                await self._write("PUT", path, {"phone_number": ""}, write, UNLINK_REFUSALS)
            if number.number in {x.number for x in agent.attached_phone_numbers or ()}:
                slug = quote(number.native_id, safe="")
                await self._write(
                    "DELETE", f"{path}/phone_numbers/{slug}", None, write, UNLINK_REFUSALS
                )
        return kit.LinkResult(number.native_id, holders[0])

    async def _holders(self, number: kit.PhoneNumber) -> list[str]:
        """The agents holding ``number`` (inbound or outbound), from the number's detail."""
        path = f"{NUMBERS_PATH}/{quote(number.native_id, safe='')}"
        try:
            payload = await self._client.get_json(path, {"workspace": self._workspace})
        except kit.UpstreamHTTPError as exc:
            if exc.status == 404:
                raise kit.LinkError(
                    kit.LinkErrorCode.PHONE_NUMBER_NOT_FOUND,
                    f"synthflow has no number {number.number}",
                    "phoneNumberId",
                ) from None
            raise
        return list(dict.fromkeys(kit.parse(self.name, _NumberDetail, payload).assistants))

    async def _agents(self, model_id: str) -> list[_Agent]:
        """The agent records Synthflow shows under ``model_id``: none when it answers 404."""
        found = await kit.get_json_or_none(
            self._client,
            f"/v2/assistants/{quote(model_id, safe='')}",
            lambda payload: kit.parse(self.name, _AgentsBody, payload).response.assistants,
        )
        return found or []

    async def _agent(self, write: kit.Write, missing: kit.Refused) -> _Agent:
        """The raw agent (its inbound ``phone_number`` and ``attached_phone_numbers``);
        ``missing`` where Synthflow has none."""
        agents = await self._agents(write.assistant_id)
        if not agents:
            raise missing.error(write)
        return agents[0]

    async def _write(
        self, method: str, path: str, body: object, write: kit.Write, refusals: kit.StatusTable
    ) -> None:
        """One write, never repeated; the documented 400/404 ``detail`` errors as refusals."""
        try:
            payload = await self._client.request_json(method, path, json_body=body)
        except kit.UpstreamError as exc:
            raise await kit.refusal(refusals, exc, write) from None
        kit.parse(self.name, _UpdateBody if method == "PUT" else _StatusBody, payload)

    def _number(self, n: _Number) -> kit.PhoneNumber:
        # The list item has no link, name, type, capabilities or carrier: those stay None.
        return kit.PhoneNumber(
            provider=self.name,
            native_id=_slug(n.number),
            number=n.number,
            status=kit.NumberStatus.AVAILABLE if n.is_available else kit.NumberStatus.ASSIGNED,
        )

    def _assistant(self, a: _Agent) -> kit.Assistant:
        """``phone_numbers`` lists the inbound number first, then the attached ones."""
        numbers = [a.phone_number] if a.phone_number else []
        numbers += [x.number for x in a.attached_phone_numbers or ()]
        unique = tuple(dict.fromkeys(numbers))
        return kit.Assistant(
            provider=self.name,
            native_id=a.model_id,
            name=a.name,
            phone_number_ids=tuple(_slug(n) for n in unique),
            phone_numbers=unique,
        )


SPEC = kit.ProviderSpec(
    name=kit.ProviderName.SYNTHFLOW,
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
