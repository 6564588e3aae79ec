"""Flireo AI (doc.flireo.nl): limit/offset pages of numbers that point to their assistant.

Only the account's own numbers (``data``) are mapped. The shared default numbers that
``include_default=true`` adds (``shared_numbers``) belong to every account and can hold
no assistant of this one, so the adapter never asks for them and ignores them if sent.

Linking goes through the assistant's singular ``phone-number`` sub-resource. ``POST``
moves the number: other assistants holding it are released, and the number the assistant
had is replaced. ``DELETE`` unlinks the assistant's (one) number, so a number is unlinked
only when it is the one its assistant shows; an older second link, which Flireo's model
has no way to address, is reported as ``NOT_SUPPORTED`` rather than guessed at.

The assistant list's shape is not in the stored docs: it is read like the number list,
but a ``meta`` (the total) it leaves out is not required, and a page without one is
filled by :func:`~gateway.pagination.fill`, so a short answer ends the list only where
it cannot be a silent page cap. The order of neither list is documented; nothing here
depends on it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import ClassVar

from ..emulators import flireo as emulator
from . import kit

MAX_PAGE = 100  # documented limit range: 1-100
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_TYPES = {
    "local": kit.NumberType.LOCAL,
    "mobile": kit.NumberType.MOBILE,
    "national": kit.NumberType.NATIONAL,
}


class _Meta(kit.UpstreamModel):
    total: int
    limit: int
    offset: int


class _LinkedAssistant(kit.UpstreamModel):
    id: str
    name: str | None = None


class _Number(kit.UpstreamModel):
    id: str
    phone_number: str
    locality: str | None = None
    # Documented enum local|mobile|national; a new value maps to None rather than failing.
    number_type: str | None = None
    available: bool
    created_at: datetime | None = None
    linked_assistant: _LinkedAssistant | None = None


class _NumberPage(kit.UpstreamModel):
    data: list[_Number]
    meta: _Meta


class _Assistant(kit.UpstreamModel):
    id: str
    name: str


class _AssistantPage(kit.UpstreamModel):
    data: list[_Assistant]
    meta: _Meta | None = None  # not in the stored docs


class _AssistantOne(kit.UpstreamModel):
    data: _Assistant


class _LinkedNumber(kit.UpstreamModel):
    id: str


class _LinkedOne(kit.UpstreamModel):
    phone_number: _LinkedNumber | None = None


class _LinkedBody(kit.UpstreamModel):
    data: _LinkedOne


class _Linked(kit.UpstreamModel):
    previous_phone_number_id: str | None = None
    released_assistants: int = 0


class _LinkBody(kit.UpstreamModel):
    data: _Linked


class _Unlinked(kit.UpstreamModel):
    unlinked_phone_number: _LinkedNumber


class _UnlinkBody(kit.UpstreamModel):
    data: _Unlinked


FLIREO = kit.ProviderName.FLIREO
PAGED = kit.LimitOffset(MAX_PAGE)
NUMBERS = kit.ListEndpoint(
    FLIREO, "/v1/phone-numbers", _Number, PAGED, _NumberPage, "data", "meta.total"
)
# Read like the number list; a page whose ``meta`` is left out has no total.
ASSISTANTS = NUMBERS.like("/v1/assistants", _Assistant, _AssistantPage)


# Link: POST /v1/assistants/{id}/phone-number. Unlink: that path's GET (what the
# assistant shows), then its DELETE. A 404 may mean either id: the assistant is read.
LINK_REFUSALS: kit.StatusTable = {
    # already_linked, already_in_use or invalid_parameters
    400: kit.Refused(
        kit.LinkErrorCode.ALREADY_LINKED,
        "flireo refused to link {number}: it is linked or in use already",
    ),
    404: kit.WHICH_MISSING,
    403: kit.FORBIDDEN,
}
SHOW_REFUSALS: kit.StatusTable = {404: kit.WhichMissing(linking=False), 403: kit.FORBIDDEN}
UNLINK_REFUSALS: kit.StatusTable = {
    **SHOW_REFUSALS,
    # no_phone_number
    400: kit.Refused(kit.LinkErrorCode.NOT_LINKED, "{number} is not linked to an assistant"),
}


class Adapter(kit.ClientAdapter):
    """Flireo has no status filter: the gateway filters on ``available`` itself."""

    name: ClassVar[kit.ProviderName] = kit.ProviderName.FLIREO
    info: ClassVar[kit.AdapterInfo] = kit.AdapterInfo(
        pagination=kit.Pagination.OFFSET,
        max_page_size=MAX_PAGE,
        assistant_pagination=kit.Pagination.OFFSET,
        assistant_max_page_size=MAX_PAGE,
        embeds_assistant=True,
    )

    auth: ClassVar[kit.AuthScheme] = kit.BEARER

    async def list_phone_numbers(
        self, _flt: kit.NumberFilter, page: kit.PageRequest
    ) -> kit.Page[kit.PhoneNumber]:
        return await NUMBERS.read(self._client, page, self._number)

    async def list_assistants(self, page: kit.PageRequest) -> kit.Page[kit.Assistant]:
        async def batch(request: kit.PageRequest) -> kit.Page[kit.Assistant]:
            return await ASSISTANTS.read(self._client, request, self._assistant)

        return await kit.fill(batch, page, MAX_PAGE)

    async def get_assistant(self, native_id: str) -> kit.Assistant | None:
        if not _UUID.fullmatch(native_id):
            return None  # Flireo ids are UUIDs: anything else cannot exist
        return await kit.get_json_or_none(
            self._client,
            f"/v1/assistants/{native_id}",
            lambda payload: self._assistant(kit.parse(self.name, _AssistantOne, payload).data),
        )

    async def link_phone_number(
        self, number: kit.PhoneNumber, assistant: kit.Assistant
    ) -> kit.LinkResult:
        previous = kit.check_link(number, assistant, moves=True)
        path = f"/v1/assistants/{assistant.native_id}/phone-number"
        try:
            payload = await self._client.request_json(
                "POST", path, json_body={"phone_number_id": number.native_id}
            )
        except kit.UpstreamError as exc:
            write = kit.Write(self, number, assistant.native_id, "link")
            raise await kit.refusal(LINK_REFUSALS, exc, write) from None
        linked = kit.parse(self.name, _LinkBody, payload).data
        replaced = linked.previous_phone_number_id
        return kit.LinkResult(
            number.native_id,
            assistant.native_id,
            previous_assistant_id=previous,
            released_phone_number_ids=(replaced,) if replaced else (),
        )

    async def unlink_phone_number(self, number: kit.PhoneNumber) -> kit.LinkResult:
        holder = kit.check_unlink(number)
        path = f"/v1/assistants/{holder}/phone-number"
        try:
            shown = kit.parse(self.name, _LinkedBody, await self._client.get_json(path)).data
        except kit.UpstreamHTTPError as exc:
            write = kit.Write(self, number, holder, "unlink")
            raise await kit.refusal(SHOW_REFUSALS, exc, write) from None
        if shown.phone_number is None:
            raise kit.LinkError(
                kit.LinkErrorCode.NOT_LINKED,
                f"{number.number} is not linked to an assistant",
                "phoneNumberId",
            )
        if shown.phone_number.id != number.native_id:
            raise kit.LinkError(
                kit.LinkErrorCode.NOT_SUPPORTED,
                f"flireo unlinks only the number its assistant shows; {number.number} is an "
                "older second link of that assistant, which its API cannot address",
                "phoneNumberId",
            )
        try:
            payload = await self._client.request_json("DELETE", path)
        except kit.UpstreamError as exc:
            write = kit.Write(self, number, holder, "unlink")
            raise await kit.refusal(UNLINK_REFUSALS, exc, write) from None
        kit.parse(self.name, _UnlinkBody, payload)
        return kit.LinkResult(number.native_id, holder)

    def _number(self, n: _Number) -> kit.PhoneNumber:
        linked = n.linked_assistant
        return kit.PhoneNumber(
            provider=self.name,
            native_id=n.id,
            number=n.phone_number,
            status=kit.NumberStatus.AVAILABLE if n.available else kit.NumberStatus.ASSIGNED,
            number_type=_TYPES.get(n.number_type or ""),
            locality=n.locality,
            assistant=kit.AssistantRef(self.name, linked.id, linked.name) if linked else None,
            created_at=n.created_at,
        )

    def _assistant(self, a: _Assistant) -> kit.Assistant:
        return kit.Assistant(provider=self.name, native_id=a.id, name=a.name)


SPEC = kit.ProviderSpec(
    name=kit.ProviderName.FLIREO,
    title="Flireo AI",
    description="Flireo AI (doc.flireo.nl).",
    adapter=Adapter,
    settings=kit.ProviderSettings,
    emulator=emulator.create_app,
    default_base_url=None,  # not published on doc.flireo.nl: must be configured
    docs_url="https://doc.flireo.nl",
)
