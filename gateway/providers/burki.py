"""Burki adapter (docs.burki.dev; seed 000, providers.md A).

Numbers come from the organization lists, which return the whole list at once, so the
status filter is applied upstream and exactly: AVAILABLE is ``/available``, ASSIGNED is
``include_unassigned=false``. Inactive numbers (released ones, which Burki keeps only
for call history) are left out everywhere, as Burki itself does by default, so the
unfiltered list and both filtered lists describe the same set of numbers.

Only the number points to its assistant (``assistant{id,name,is_active}``); an assistant
carries no phone-number field, so ``phone_number_ids`` stays ``None``.

Linking uses ``POST /api/v1/assistants/{assistant_id}/phone-numbers/{id}/assign`` and
``/unassign``. The docs require the number not to be assigned to another assistant, but
the backend does not check it (it overwrites the link), so the adapter refuses that case
itself (``LINKED_ELSEWHERE``) rather than silently taking the number from its assistant.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from ..emulators import burki as emulator
from . import kit

ASSISTANTS_PATH = "/api/v1/assistants"
NUMBERS_PATH = f"{ASSISTANTS_PATH}/organization/phone-numbers"
AVAILABLE_PATH = f"{NUMBERS_PATH}/available"
MAX_ASSISTANT_LIMIT = 1000  # the backend rejects limit > 1000 with a 422


class BurkiAssistantInfo(kit.UpstreamModel):
    """``OrganizationAssistantInfo``: the assistant a number embeds."""

    id: int
    name: str
    is_active: bool


class BurkiNumber(kit.UpstreamModel):
    """``OrganizationPhoneNumberResponse`` (the fields the gateway reads)."""

    id: int
    phone_number: str
    friendly_name: str | None = None
    # Required in the spec, but absent from the older backend's responses.
    provider: str | None = None
    is_active: bool
    capabilities: dict[str, bool]
    assistant: BurkiAssistantInfo | None = None
    created_at: datetime
    updated_at: datetime | None = None


class BurkiAssistant(kit.UpstreamModel):
    """``AssistantResponse`` (the fields the gateway reads)."""

    id: int
    name: str
    is_active: bool | None = None
    # Required by the spec; optional here, so a record without it still lists.
    created_at: datetime | None = None


class BurkiAPIResponse(kit.UpstreamModel):
    """``APIResponse``: what assign and unassign return."""

    success: bool
    message: str | None = None


# Bare arrays, validated in one call a response (a 50,000-number list in pydantic-core).
NUMBERS = kit.ListEndpoint(kit.ProviderName.BURKI, NUMBERS_PATH, BurkiNumber)
AVAILABLE = kit.ListEndpoint(kit.ProviderName.BURKI, AVAILABLE_PATH, BurkiNumber)
ASSISTANTS = kit.ListEndpoint(
    kit.ProviderName.BURKI,
    ASSISTANTS_PATH,
    BurkiAssistant,
    kit.LimitOffset(MAX_ASSISTANT_LIMIT, offset="skip"),
)


# 404 is the documented "assistant not found". The backend turns every service failure
# (the number missing among them) into a 500 whose cause only its body names, so a 500
# stays an upstream error.
ASSIGN_REFUSALS: kit.StatusTable = {
    404: kit.Refused(
        kit.LinkErrorCode.ASSISTANT_NOT_FOUND, "burki has no assistant {assistant}", "assistantId"
    ),
    403: kit.FORBIDDEN,
}
UNASSIGN_REFUSALS: kit.StatusTable = {
    404: kit.Refused(
        kit.LinkErrorCode.ASSISTANT_NOT_FOUND, "burki has no assistant {assistant}", None
    ),
    403: kit.FORBIDDEN,
}


class Adapter(kit.ClientAdapter):
    name: ClassVar[kit.ProviderName] = kit.ProviderName.BURKI
    info: ClassVar[kit.AdapterInfo] = kit.AdapterInfo(
        pagination=kit.Pagination.NONE,
        # NONE: every call returns the whole list, whatever the page size.
        max_page_size=10_000,
        native_number_filters=frozenset({"status"}),
        assistant_pagination=kit.Pagination.OFFSET,
        assistant_max_page_size=MAX_ASSISTANT_LIMIT,
        embeds_assistant=True,
    )

    auth: ClassVar[kit.AuthScheme] = kit.BEARER

    async def list_phone_numbers(
        self, flt: kit.NumberFilter, page: kit.PageRequest
    ) -> kit.Page[kit.PhoneNumber]:
        """The whole (status-filtered) list; ``page`` is ignored, as Burki does not page."""
        if flt.status is kit.NumberStatus.AVAILABLE:
            return await AVAILABLE.read(self._client, page, self._number)
        scope = {
            "include_assigned": True,
            "include_unassigned": flt.status is None,
            "include_inactive": False,
        }
        return await NUMBERS.read(self._client, page, self._number, scope)

    async def list_assistants(self, page: kit.PageRequest) -> kit.Page[kit.Assistant]:
        """``skip`` + ``limit``, in several calls where a request is above Burki's 1000 or
        an answer is shorter than asked. Burki reports no total and its order is not
        documented: a short answer ends the list only as :func:`~gateway.pagination.fill`
        decides (a round-sized one may be a silent cap and is followed), and the page
        that reaches the end carries the total it implies."""

        async def batch(request: kit.PageRequest) -> kit.Page[kit.Assistant]:
            return await ASSISTANTS.read(self._client, request, self._assistant)

        return await kit.fill(batch, page, MAX_ASSISTANT_LIMIT)

    async def get_assistant(self, native_id: str) -> kit.Assistant | None:
        # Burki ids are integers: anything else cannot exist (the API would answer 422).
        if not (native_id.isascii() and native_id.isdigit()):
            return None
        return await kit.get_json_or_none(
            self._client,
            f"{ASSISTANTS_PATH}/{int(native_id)}",
            lambda payload: self._assistant(kit.parse(self.name, BurkiAssistant, payload)),
        )

    async def link_phone_number(
        self, number: kit.PhoneNumber, assistant: kit.Assistant
    ) -> kit.LinkResult:
        kit.check_link(number, assistant, moves=False)
        await self._link("assign", assistant.native_id, number, ASSIGN_REFUSALS)
        return kit.LinkResult(number.native_id, assistant.native_id)

    async def unlink_phone_number(self, number: kit.PhoneNumber) -> kit.LinkResult:
        holder = kit.check_unlink(number)
        await self._link("unassign", holder, number, UNASSIGN_REFUSALS)
        return kit.LinkResult(number.native_id, holder)

    async def _link(
        self, verb: str, assistant_id: str, number: kit.PhoneNumber, refusals: kit.StatusTable
    ) -> None:
        """One ``assign``/``unassign`` call, never repeated; ``refusals`` reads its errors."""
        path = f"{ASSISTANTS_PATH}/{assistant_id}/phone-numbers/{number.native_id}/{verb}"
        try:
            payload = await self._client.request_json("POST", path)
        except kit.UpstreamError as exc:
            raise await kit.refusal(
                refusals, exc, kit.Write(self, number, assistant_id, verb)
            ) from None
        if not kit.parse(self.name, BurkiAPIResponse, payload).success:
            raise kit.LinkError(kit.LinkErrorCode.NOT_LINKABLE, f"burki did not {verb} the number")

    def _number(self, n: BurkiNumber) -> kit.PhoneNumber:
        caps = n.capabilities
        return kit.PhoneNumber(
            provider=self.name,
            native_id=str(n.id),
            number=n.phone_number,
            status=kit.NumberStatus.AVAILABLE if n.assistant is None else kit.NumberStatus.ASSIGNED,
            display_name=n.friendly_name,
            capabilities=kit.Capabilities(
                voice=caps.get("voice"), sms=caps.get("sms"), mms=caps.get("mms")
            ),
            carrier=n.provider,
            assistant=None
            if n.assistant is None
            else kit.AssistantRef(
                self.name, str(n.assistant.id), n.assistant.name, n.assistant.is_active
            ),
            created_at=n.created_at,
            updated_at=n.updated_at,
        )

    def _assistant(self, a: BurkiAssistant) -> kit.Assistant:
        return kit.Assistant(
            provider=self.name,
            native_id=str(a.id),
            name=a.name,
            active=a.is_active,
            created_at=a.created_at,
        )


SPEC = kit.ProviderSpec(
    name=kit.ProviderName.BURKI,
    title="Burki",
    description="Burki (burki.dev).",
    adapter=Adapter,
    settings=kit.ProviderSettings,
    emulator=emulator.create_app,
    default_base_url="https://api.burki.dev",
    docs_url="https://docs.burki.dev/api-reference",
)
