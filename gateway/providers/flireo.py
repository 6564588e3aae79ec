"""Flireo AI (doc.flireo.nl): limit/offset pages of numbers that point to their assistant.

Only the account's own numbers (``data``) are mapped. The shared default numbers that
``include_default=true`` adds (``shared_numbers``) belong to every account and can hold
no assistant of this one, so the adapter never asks for them and ignores them if sent.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar

from ..config import ProviderSettings
from ..errors import UpstreamHTTPError
from ..model import Assistant, AssistantRef, NumberStatus, NumberType, PhoneNumber, ProviderName
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

MAX_PAGE = 100  # documented limit range: 1-100
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_TYPES = {"local": NumberType.LOCAL, "mobile": NumberType.MOBILE, "national": NumberType.NATIONAL}


class _Meta(UpstreamModel):
    total: int
    limit: int
    offset: int


class _LinkedAssistant(UpstreamModel):
    id: str
    name: str | None = None


class _Number(UpstreamModel):
    id: str
    phone_number: str
    locality: str | None = None
    # Documented enum local|mobile|national; a new value maps to None rather than failing.
    number_type: str | None = None
    available: bool
    created_at: datetime | None = None
    linked_assistant: _LinkedAssistant | None = None


class _NumberPage(UpstreamModel):
    data: list[_Number]
    meta: _Meta


class _Assistant(UpstreamModel):
    id: str
    name: str


class _AssistantPage(UpstreamModel):
    data: list[_Assistant]
    meta: _Meta


class _AssistantOne(UpstreamModel):
    data: _Assistant


def _page_params(page: PageRequest) -> dict[str, Any]:
    return {"limit": min(max(page.limit, 1), MAX_PAGE), "offset": page.offset}


class Adapter:
    """Flireo has no status filter: the gateway filters on ``available`` itself."""

    name: ClassVar[ProviderName] = ProviderName.FLIREO
    info: ClassVar[AdapterInfo] = AdapterInfo(
        pagination=Pagination.OFFSET,
        max_page_size=MAX_PAGE,
        assistant_pagination=Pagination.OFFSET,
        assistant_max_page_size=MAX_PAGE,
    )

    def __init__(self, settings: ProviderSettings, client: UpstreamClient) -> None:
        self._client = client

    @staticmethod
    def auth_headers(settings: ProviderSettings) -> dict[str, str]:
        return {"Authorization": f"Bearer {settings.api_key or ''}"}

    async def list_phone_numbers(self, flt: NumberFilter, page: PageRequest) -> Page[PhoneNumber]:
        payload = await self._client.get_json("/v1/phone-numbers", _page_params(page))
        body = parse(self.name, _NumberPage, payload)
        return Page([self._number(n) for n in body.data], total=body.meta.total)

    async def list_assistants(self, page: PageRequest) -> Page[Assistant]:
        payload = await self._client.get_json("/v1/assistants", _page_params(page))
        body = parse(self.name, _AssistantPage, payload)
        return Page([self._assistant(a) for a in body.data], total=body.meta.total)

    async def get_assistant(self, native_id: str) -> Assistant | None:
        if not _UUID.fullmatch(native_id):
            return None  # Flireo ids are UUIDs: anything else cannot exist
        try:
            payload = await self._client.get_json(f"/v1/assistants/{native_id}")
        except UpstreamHTTPError as exc:
            if exc.status == 404:
                return None
            raise
        return self._assistant(parse(self.name, _AssistantOne, payload).data)

    def _number(self, n: _Number) -> PhoneNumber:
        linked = n.linked_assistant
        return PhoneNumber(
            provider=self.name,
            native_id=n.id,
            number=n.phone_number,
            status=NumberStatus.AVAILABLE if n.available else NumberStatus.ASSIGNED,
            number_type=_TYPES.get(n.number_type or ""),
            locality=n.locality,
            assistant=AssistantRef(self.name, linked.id, linked.name) if linked else None,
            created_at=n.created_at,
        )

    def _assistant(self, a: _Assistant) -> Assistant:
        return Assistant(provider=self.name, native_id=a.id, name=a.name)
