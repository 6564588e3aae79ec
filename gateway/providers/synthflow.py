"""Synthflow Platform API v2 (``Authorization: Bearer``; every number call needs ``workspace``).

Numbers carry no agent link: the list item is only ``{number, sid, is_available}``. Agents
hold their numbers by E.164 (``phone_number`` inbound, ``attached_phone_numbers``
outbound), so the gateway resolves number -> assistant from the assistants
(``links_by_number``). The native number id is the slug: the E.164 without ``+``.
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote

from ..config import ProviderSettings
from ..errors import UpstreamHTTPError
from ..model import Assistant, NumberStatus, PhoneNumber, ProviderName
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
    # Documented on the get-one item; optional on list items.
    attached_phone_numbers: list[_Attached] = []


class _AgentsPage(UpstreamModel):
    pagination: _Pagination | None = None
    assistants: list[_Agent]


class _AgentsBody(UpstreamModel):
    status: str
    response: _AgentsPage


def _slug(e164: str) -> str:
    return e164.removeprefix("+")


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

    def __init__(self, settings: ProviderSettings, client: UpstreamClient) -> None:
        self._workspace = settings.workspace
        self._client = client

    @staticmethod
    def auth_headers(settings: ProviderSettings) -> dict[str, str]:
        return {"Authorization": f"Bearer {settings.api_key or ''}"}

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
        return Page(items=[self._assistant(a) for a in body.assistants], total=total)

    async def get_assistant(self, native_id: str) -> Assistant | None:
        try:
            payload = await self._client.get_json(f"/v2/assistants/{quote(native_id, safe='')}")
        except UpstreamHTTPError as exc:
            if exc.status == 404:
                return None
            raise
        agents = parse(self.name, _AgentsBody, payload).response.assistants
        return self._assistant(agents[0]) if agents else None

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
        numbers += [x.number for x in a.attached_phone_numbers]
        unique = tuple(dict.fromkeys(numbers))
        return Assistant(
            provider=self.name,
            native_id=a.model_id,
            name=a.name,
            phone_number_ids=tuple(_slug(n) for n in unique),
            phone_numbers=unique,
        )
