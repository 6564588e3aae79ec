"""Vapi (api.vapi.ai; ../shared/providers-vapi-retell.md A): page-numbered numbers, bare
arrays of assistants, and a number routed to one assistant by its ``assistantId``.

Numbers are read from ``GET /v2/phone-number`` (``page`` + ``limit``, ``totalItems`` in
``metadata``), a page-number list the gateway addresses by offset: an offset that is not
a multiple of the page size is served from the two pages around it. A deployment that
does not serve the v2 path (404/405) is read through the legacy bare array
``GET /phone-number`` instead (remembered per adapter); that list cannot page, so one
that comes back full (1000 numbers) is an error naming Vapi rather than a silent cut.

Assistants are a bare array (``GET /assistant``, at most 1000 a call). A full answer is
continued by ``createdAt``: the next call asks past the last item's timestamp in the
direction the answer is sorted (the sort order is not documented, so it is read off the
answer), and ids already seen are dropped.

A number may route to a squad or a workflow instead of an assistant: it is ASSIGNED with
no assistant, and linking it is refused (``LINKED_ELSEWHERE``) rather than silently
dropping that routing. Linking is ``PATCH /phone-number/{id}`` with ``assistantId``
(Vapi overwrites it, so a number held by another assistant moves); unlinking sends
``assistantId: null``, which only an SDK issue documents, so an answer that still shows
the assistant is reported (``NOT_SUPPORTED``) instead of taken for success.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import RootModel

from ..emulators import vapi as emulator
from . import kit

VAPI = kit.ProviderName.VAPI
NUMBERS = "/phone-number"
NUMBERS_V2 = "/v2/phone-number"
ASSISTANTS = "/assistant"
MAX_LIMIT = 1000  # documented range of limit: 0-1000
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class _Number(kit.UpstreamModel):
    id: str
    provider: str
    # Optional for Vapi-bought and BYO numbers (A.7): the SIP URI stands in where absent.
    number: str | None = None
    sipUri: str | None = None
    name: str | None = None
    assistantId: str | None = None
    squadId: str | None = None
    workflowId: str | None = None
    createdAt: datetime
    updatedAt: datetime | None = None


class _Metadata(kit.UpstreamModel):
    itemsPerPage: int
    totalItems: int
    currentPage: int


class _NumberPage(kit.UpstreamModel):
    results: list[_Number]
    metadata: _Metadata


class _Assistant(kit.UpstreamModel):
    id: str
    # Optional in the spec: an unnamed assistant is shown by its id.
    name: str | None = None
    createdAt: datetime


_Numbers = RootModel[list[_Number]]
NUMBER_PAGES = kit.ListEndpoint(
    VAPI,
    NUMBERS_V2,
    _Number,
    kit.PageNumber(MAX_LIMIT),
    _NumberPage,
    "results",
    "metadata.totalItems",
)
# A bare array, asked for once per call of the createdAt continuation.
ASSISTANT_LIST = kit.ListEndpoint(VAPI, ASSISTANTS, _Assistant)


def _number(n: _Number) -> kit.PhoneNumber:
    held = n.assistantId or n.squadId or n.workflowId
    return kit.PhoneNumber(
        provider=VAPI,
        native_id=n.id,
        number=n.number or n.sipUri or "",
        status=kit.NumberStatus.ASSIGNED if held else kit.NumberStatus.AVAILABLE,
        display_name=n.name,
        carrier=n.provider,
        assistant=kit.AssistantRef(VAPI, n.assistantId) if n.assistantId else None,
        created_at=n.createdAt,
        updated_at=n.updatedAt,
    )


def _assistant(a: _Assistant) -> kit.Assistant:
    return kit.Assistant(provider=VAPI, native_id=a.id, name=a.name or a.id, created_at=a.createdAt)


# Upstream status -> how a refused PATCH reads (NestJS statuses; A.9).
# ASSUMPTION: an unknown number is NestJS's default 404 (A.9 finds no documented body).
REFUSALS: kit.StatusTable = {
    404: kit.Refused(kit.LinkErrorCode.PHONE_NUMBER_NOT_FOUND, "vapi no longer has {number}"),
    400: kit.Refused(kit.LinkErrorCode.NOT_LINKABLE, "vapi refused to {verb} {number}"),
    403: kit.FORBIDDEN,
}


def _sorting(by: kit.ByCreation | None) -> dict[str, str]:
    """``/v2/phone-number``'s documented sort (A.4: ``sortBy``, ``sortOrder``) and creation
    bound (``createdAtGe``/``createdAtLe``) for a list read in creation order."""
    if by is None:
        return {}
    params = {"sortBy": "createdAt", "sortOrder": "DESC" if by.newest_first else "ASC"}
    if by.bound is not None:
        params["createdAtLe" if by.newest_first else "createdAtGe"] = by.bound.isoformat()
    return params


def _by_creation(
    numbers: list[kit.PhoneNumber], by: kit.ByCreation | None
) -> list[kit.PhoneNumber]:
    """The legacy array (no sort parameter) in the order and from the bound asked."""
    if by is None:
        return numbers
    bound = by.bound

    def at(n: kit.PhoneNumber) -> float:
        return n.created_at.timestamp() if n.created_at else 0.0  # Vapi requires createdAt

    kept = [
        n
        for n in numbers
        if bound is None
        or (at(n) <= bound.timestamp() if by.newest_first else at(n) >= bound.timestamp())
    ]
    return sorted(kept, key=at, reverse=by.newest_first)


class Adapter:
    """Vapi filters nothing the gateway asks for: status is filtered by the gateway."""

    name: ClassVar[kit.ProviderName] = VAPI
    info: ClassVar[kit.AdapterInfo] = kit.AdapterInfo(
        pagination=kit.Pagination.OFFSET,
        max_page_size=MAX_LIMIT,
        # One call answers the whole list (continued by createdAt where it is full).
        assistant_pagination=kit.Pagination.NONE,
        assistant_max_page_size=MAX_LIMIT,
        # /v2/phone-number: sortBy=createdAt, sortOrder, createdAtGe/Le (A.4).
        sorts_by_creation=True,
        # assistantId is the "assistant for inbound calls" (A.7).
        link_route=kit.RouteKind(kit.RouteDirection.INBOUND, kit.RouteChannel.VOICE),
    )

    auth: ClassVar[kit.AuthScheme] = kit.BEARER  # the private API key

    def __init__(self, _settings: kit.ProviderSettings, client: kit.UpstreamClient) -> None:
        self._client = client
        self._paged = True  # False once /v2/phone-number turned out not to be served

    async def list_phone_numbers(
        self, _flt: kit.NumberFilter, page: kit.PageRequest
    ) -> kit.Page[kit.PhoneNumber]:
        if self._paged:
            try:
                return await self._numbers_v2(page)
            except kit.UpstreamHTTPError as exc:
                if exc.status not in kit.LOOKUP_ABSENT:
                    raise
                self._paged = False
        listed = kit.parse(
            VAPI, _Numbers, await self._client.get_json(NUMBERS, {"limit": MAX_LIMIT})
        )
        if len(listed.root) >= MAX_LIMIT:
            raise kit.UpstreamBadResponse(
                VAPI,
                f"GET {NUMBERS_V2} is not served and GET {NUMBERS} answered its maximum of "
                f"{MAX_LIMIT} numbers: the rest cannot be listed",
            )
        numbers = _by_creation([_number(n) for n in listed.root], page.by_creation)
        return kit.Page(numbers[page.offset : page.offset + page.limit], total=len(numbers))

    async def _numbers_v2(self, page: kit.PageRequest) -> kit.Page[kit.PhoneNumber]:
        """The numbers ``[offset, offset + limit)`` from pages of ``limit`` numbers."""
        return await NUMBER_PAGES.read(self._client, page, _number, _sorting(page.by_creation))

    async def list_assistants(self, page: kit.PageRequest) -> kit.Page[kit.Assistant]:
        """Every assistant: calls of 1000, continued by ``createdAt`` while they are full."""
        seen: dict[str, _Assistant] = {}
        params: dict[str, Any] = {"limit": MAX_LIMIT}
        while True:
            batch = (await ASSISTANT_LIST.read(self._client, page, lambda a: a, params)).items
            fresh = [a for a in batch if a.id not in seen]
            seen.update((a.id, a) for a in fresh)
            if len(batch) < MAX_LIMIT or not fresh:
                break
            # ASSUMPTION: the order is undocumented (A.12): it is read off the answer.
            newest_first = batch[0].createdAt >= batch[-1].createdAt
            edge: Literal["createdAtLe", "createdAtGe"] = (
                "createdAtLe" if newest_first else "createdAtGe"
            )
            params = {"limit": MAX_LIMIT, edge: batch[-1].createdAt.isoformat()}
        assistants = [_assistant(a) for a in seen.values()]
        return kit.Page(assistants, total=len(assistants))

    async def get_assistant(self, native_id: str) -> kit.Assistant | None:
        if not _UUID.fullmatch(native_id):
            return None  # Vapi ids are UUIDs (format: uuid in the spec)
        return await kit.get_json_or_none(
            self._client,
            f"{ASSISTANTS}/{native_id}",
            lambda payload: _assistant(kit.parse(VAPI, _Assistant, payload)),
        )

    async def link_phone_number(
        self, number: kit.PhoneNumber, assistant: kit.Assistant
    ) -> kit.LinkResult:
        if number.assistant is None and number.status is kit.NumberStatus.ASSIGNED:
            raise kit.LinkError(
                kit.LinkErrorCode.LINKED_ELSEWHERE,
                f"{number.number} routes to a vapi squad or workflow, not an assistant; "
                "change that routing at vapi first",
                "phoneNumberId",
            )
        previous = kit.check_link(number, assistant, moves=True)
        write = kit.Write(self, number, assistant.native_id, "link")
        shown = await self._patch(write, {"assistantId": assistant.native_id})
        if shown.assistantId != assistant.native_id:
            raise kit.UpstreamBadResponse(
                VAPI, "PATCH answered a number without the new assistantId"
            )
        return kit.LinkResult(number.native_id, assistant.native_id, previous_assistant_id=previous)

    async def unlink_phone_number(self, number: kit.PhoneNumber) -> kit.LinkResult:
        holder = kit.check_unlink(number)
        # ASSUMPTION: null clears assistantId (an SDK issue only, A.6); checked below.
        shown = await self._patch(kit.Write(self, number, holder, "unlink"), {"assistantId": None})
        if shown.assistantId:
            raise kit.LinkError(
                kit.LinkErrorCode.NOT_SUPPORTED,
                f"vapi kept {number.number} on its assistant: it did not clear assistantId",
                "phoneNumberId",
            )
        return kit.LinkResult(number.native_id, holder)

    async def _patch(self, write: kit.Write, change: dict[str, Any]) -> _Number:
        """One ``PATCH``, never repeated. ``provider`` is sent as the SDK sends it (the
        update bodies are told apart by it); the documented-by-observation errors as
        refusals, anything else stays an upstream error."""
        number = write.number
        body = {**change, "provider": number.carrier} if number.carrier else change
        try:
            payload = await self._client.request_json(
                "PATCH", f"{NUMBERS}/{number.native_id}", json_body=body
            )
        except kit.UpstreamError as exc:
            raise await kit.refusal(REFUSALS, exc, write) from None
        return kit.parse(VAPI, _Number, payload)


SPEC = kit.ProviderSpec(
    name=VAPI,
    title="Vapi",
    description="Vapi (vapi.ai).",
    adapter=Adapter,
    settings=kit.ProviderSettings,
    emulator=emulator.create_app,
    default_base_url="https://api.vapi.ai",
    docs_url="https://docs.vapi.ai/api-reference",
)
