"""The adapter protocol every provider module implements, and helpers adapters share.

Adapters are the only code that knows an upstream's shape: they build the request, call
it through the shared :class:`~gateway.upstream.UpstreamClient`, validate the JSON and
return normalized records. Everything above ``providers/`` sees only ``gateway.model``
and ``gateway.paging`` (whose types are re-exported here for the adapters).
"""

from __future__ import annotations

import enum
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar, cast, runtime_checkable

from pydantic import BaseModel, ConfigDict, ValidationError

from ..config import ProviderSettings
from ..errors import UpstreamBadResponse, UpstreamError, UpstreamHTTPError
from ..model import Assistant, PhoneNumber, ProviderName, RouteKind
from ..paging import (
    Collected,
    NumberFilter,
    Page,
    PageRequest,
    Pagination,
    collect,
    collect_all,
    next_page,
)
from ..upstream import MalformedJSON, UpstreamClient
from ..upstream.recent import BODIES

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class AdapterInfo:
    """What the upstream supports natively: the planner reads this, never the module."""

    pagination: Pagination
    max_page_size: int
    # Number filters the upstream applies itself (field names of NumberFilter).
    native_number_filters: frozenset[str] = field(default_factory=frozenset)
    assistant_pagination: Pagination = Pagination.NONE
    assistant_max_page_size: int = 100
    # True where numbers point to assistants only by E.164 number (resolved via assistants).
    links_by_number: bool = False
    # True where a number carries its assistant's id and name (Burki, Flireo): a request
    # that wants numbers' assistants needs no assistant list from this provider.
    embeds_assistant: bool = False
    # True where the numbers list sorts by creation and filters by a creation bound as
    # documented (PageRequest.by_creation): a list sorted by CREATED_AT then reads only
    # the pages a window needs instead of the whole list.
    sorts_by_creation: bool = False
    # What a number's one ``assistant`` link is for, where the adapter lists no
    # ``routes`` of its own: the direction its docs give it, UNSPECIFIED where they do not.
    link_route: RouteKind = field(default_factory=RouteKind)


class ProviderAdapter(Protocol):
    """One provider. Implementations live in ``gateway/providers/<name>.py``.

    Arguments are positional-only, so an adapter that ignores one (a provider answering
    whole lists ignores ``page``) may name it ``_page``."""

    name: ClassVar[ProviderName]
    info: ClassVar[AdapterInfo]

    async def list_phone_numbers(
        self, flt: NumberFilter, page: PageRequest, /
    ) -> Page[PhoneNumber]:
        """One page of numbers, natively filtered where ``info`` says so."""
        ...

    async def list_assistants(self, page: PageRequest, /) -> Page[Assistant]:
        """One page of assistants/agents."""
        ...

    async def get_assistant(self, native_id: str, /) -> Assistant | None:
        """One assistant, or ``None`` when the upstream says it does not exist."""
        ...


class ClientAdapter:
    """Base of an adapter that needs nothing of its settings beyond what the client was
    built from (base URL, key): it keeps only the client its calls go through."""

    def __init__(self, _settings: ProviderSettings, client: UpstreamClient, /) -> None:
        self._client = client


class UpstreamModel(BaseModel):
    """Base for upstream payload models: unknown fields are ignored, as upstreams grow."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def parse(provider: ProviderName, model: type[M], payload: Any) -> M:
    """Validate an upstream payload; a mismatch is a typed error naming the provider."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise _mismatch(provider, exc) from None


def decoder(provider: ProviderName, model: type[M]) -> Callable[[bytes], M]:
    """``model`` validated straight from a response body (pydantic reads the bytes, no
    ``json.loads`` first), for ``UpstreamClient.get_json(decode=...)``. JSON of another
    shape is :func:`parse`'s error; bytes that are no JSON at all are MalformedJSON, which
    the client counts as a failed attempt (breaker, failure memory) and never caches.

    The model is frozen, so the result for a body identical to a recent one is that one
    (gateway/upstream/recent.py): a list polled while nothing changed is not validated
    again. Failures are not kept."""

    def validate(body: bytes) -> M:
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors()):
                raise MalformedJSON(f"{provider.value}: the body is not JSON") from None
            raise _mismatch(provider, exc) from None

    def decode(body: bytes) -> M:
        return cast(M, BODIES.decode(body, validate, model))

    return decode


def _mismatch(provider: ProviderName, exc: ValidationError) -> UpstreamBadResponse:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "<root>"
    return UpstreamBadResponse(provider, f"response does not match the documented shape at {where}")


def parse_list(provider: ProviderName, model: type[M], payload: Any) -> list[M]:
    """Validate a bare JSON array of ``model`` items."""
    if not isinstance(payload, list):
        raise UpstreamBadResponse(
            provider, "response does not match the documented shape: expected an array"
        )
    return [parse(provider, model, item) for item in payload]


def naming(error: UpstreamError, what: str) -> UpstreamError:
    """``error`` (same class, code and status) with a message that names ``what`` failed,
    e.g. the one endpoint of several a list is made of."""
    cls = type(error)
    named = cls.__new__(cls)
    named.__dict__.update(error.__dict__)
    detail = error.message.removeprefix(f"{error.provider.value}: ")
    named.message = f"{error.provider.value}: {what}: {detail}"
    named.args = (named.message,)
    return named


async def get_json_or_none(
    client: UpstreamClient,
    path: str,
    read: Callable[[Any], T],
    params: dict[str, Any] | None = None,
) -> T | None:
    """GET ``path`` and ``read`` its JSON; ``None`` when the upstream answers 404 (no such record).

    ``read`` runs outside the 404 check, so a JSON ``null`` body is still ``read`` (and refused
    by ``parse``) rather than taken for "not found".
    """
    try:
        payload = await client.get_json(path, params)
    except UpstreamHTTPError as exc:
        if exc.status == 404:
            return None
        raise
    return read(payload)


# -- one assistant ------------------------------------------------------------------------

# Get-one answers that may only mean "this endpoint does not exist here": the public docs
# of Butter, Flireo and Teli do not show their get-one assistant endpoints.
LOOKUP_ABSENT = frozenset({404, 405})

# Adapters whose get-one endpoint denied an assistant their list holds: asked no more.
_GET_ONE_UNUSABLE: weakref.WeakSet[Any] = weakref.WeakSet()


async def lookup_assistant(
    adapter: ProviderAdapter,
    native_id: str,
    scan: Callable[[], Awaitable[list[Assistant]]] | None = None,
) -> Assistant | None:
    """One assistant, answered as the documented list would answer it.

    The get-one endpoint is tried first (one call instead of a scan); where it says "no
    such assistant" (404, 405) or answers in a shape we cannot read, the list decides,
    so the answer never depends on which endpoint was asked. ``scan`` reads the whole
    list (the request's loaders pass their shared one); by default the adapter pages it.
    An adapter whose get-one denied an assistant the list has is not asked again.
    """
    if adapter not in _GET_ONE_UNUSABLE:
        try:
            found = await adapter.get_assistant(native_id)
        except UpstreamHTTPError as exc:
            if exc.status not in LOOKUP_ABSENT:
                raise
            found = None
        except UpstreamBadResponse:
            found = None
        if found is not None:
            return found
    if scan is None:
        info = adapter.info
        listed = await collect_all(
            adapter.list_assistants, info.assistant_pagination, info.assistant_max_page_size
        )
    else:
        listed = await scan()
    hit = next((a for a in listed if a.native_id == native_id), None)
    if hit is not None:
        _GET_ONE_UNUSABLE.add(adapter)
    return hit


# -- linking (optional) -------------------------------------------------------------------


class LinkErrorCode(enum.StrEnum):
    """Why a link or unlink was refused: stable codes clients can switch on."""

    INVALID_ID = "INVALID_ID"  # not a Switchboard id of the expected type
    PHONE_NUMBER_NOT_FOUND = "PHONE_NUMBER_NOT_FOUND"
    ASSISTANT_NOT_FOUND = "ASSISTANT_NOT_FOUND"
    CROSS_PROVIDER = "CROSS_PROVIDER"  # number and assistant belong to different providers
    ALREADY_LINKED = "ALREADY_LINKED"  # already linked to this very assistant
    LINKED_ELSEWHERE = "LINKED_ELSEWHERE"  # held by another assistant; the provider won't move it
    NOT_LINKED = "NOT_LINKED"  # unlink: the number is linked to no assistant
    NOT_LINKABLE = "NOT_LINKABLE"  # the provider cannot link this number (e.g. Teli SMS)
    NOT_SUPPORTED = "NOT_SUPPORTED"  # the provider's API cannot do what was asked
    FORBIDDEN = "FORBIDDEN"  # the provider refused the change for this account
    UPSTREAM_ERROR = "UPSTREAM_ERROR"  # the provider failed: the change may or may not be made


class LinkError(Exception):
    """A refused link or unlink; the mutation reports it as a user error, never retries it.

    ``field`` names the input field at fault (``phoneNumberId`` or ``assistantId``), or is
    ``None`` when the refusal is not about one of them. The message is safe to show.
    """

    def __init__(self, code: LinkErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What a successful link or unlink changed, as native ids of the provider."""

    phone_number_id: str
    # Link: the assistant that now holds the number. Unlink: the one it was taken from.
    assistant_id: str | None
    # Link: the assistant the number was moved away from (providers that move links).
    previous_assistant_id: str | None = None
    # Link: numbers the assistant gave up, where it may hold only one (Flireo, Synthflow).
    released_phone_number_ids: tuple[str, ...] = ()


@runtime_checkable
class LinkingAdapter(Protocol):
    """Optional adapter methods: route a number to an assistant, and back.

    Both receive the records as the gateway read them just before (``number.assistant``
    is its current assistant where the number points to it). Implementations check them,
    send exactly one write per change and never retry it: a failed write is raised (an
    :class:`~gateway.errors.UpstreamError`) or refused (:class:`LinkError`), not repeated.
    """

    async def link_phone_number(self, number: PhoneNumber, assistant: Assistant) -> LinkResult:
        """Route ``number`` to ``assistant`` (both of this provider)."""
        ...

    async def unlink_phone_number(self, number: PhoneNumber) -> LinkResult:
        """Detach ``number`` from whichever assistant holds it."""
        ...


def linking(adapter: ProviderAdapter) -> LinkingAdapter | None:
    """``adapter`` as a :class:`LinkingAdapter`, or ``None`` if it cannot link."""
    return adapter if isinstance(adapter, LinkingAdapter) else None


def check_link(number: PhoneNumber, assistant: Assistant, *, moves: bool) -> str | None:
    """The common refusals before a link; returns the assistant the number leaves, if any.

    ``moves``: the provider moves a number held by another assistant (Flireo, Teli)
    instead of refusing (Burki, Butter, Synthflow).
    """
    if number.provider is not assistant.provider:
        raise LinkError(
            LinkErrorCode.CROSS_PROVIDER,
            f"the number is at {number.provider.value} and the assistant at "
            f"{assistant.provider.value}: a number links only to its own provider's assistants",
            "assistantId",
        )
    held = number.assistant.native_id if number.assistant is not None else None
    if held == assistant.native_id:
        raise LinkError(
            LinkErrorCode.ALREADY_LINKED,
            f"{number.number} is already linked to this assistant",
            "phoneNumberId",
        )
    if held is not None and not moves:
        raise LinkError(
            LinkErrorCode.LINKED_ELSEWHERE,
            f"{number.number} is linked to another assistant ({held}); "
            f"{number.provider.value} does not move numbers between assistants: unlink it first",
            "phoneNumberId",
        )
    return held


def check_unlink(number: PhoneNumber) -> str:
    """The common refusal before an unlink; returns the assistant that holds the number."""
    if number.assistant is None:
        raise LinkError(
            LinkErrorCode.NOT_LINKED,
            f"{number.number} is not linked to an assistant",
            "phoneNumberId",
        )
    return number.assistant.native_id


async def which_missing(
    adapter: ProviderAdapter, assistant_id: str, *, linking: bool = True
) -> LinkError:
    """A write answered 404 that may mean either id: read the assistant to tell which.

    Only a read follows the failed write; the write itself is never sent again.
    ``linking``: the assistant is an input (``assistantId``), not the number's holder.
    """
    if await lookup_assistant(adapter, assistant_id) is None:
        return LinkError(
            LinkErrorCode.ASSISTANT_NOT_FOUND,
            f"{adapter.name.value} has no assistant {assistant_id}",
            "assistantId" if linking else None,
        )
    return LinkError(
        LinkErrorCode.PHONE_NUMBER_NOT_FOUND,
        f"{adapter.name.value} no longer has this phone number",
        "phoneNumberId",
    )


__all__ = [
    "AdapterInfo",
    "ClientAdapter",
    "Collected",
    "LinkError",
    "LinkErrorCode",
    "LinkResult",
    "LinkingAdapter",
    "NumberFilter",
    "Page",
    "PageRequest",
    "Pagination",
    "ProviderAdapter",
    "UpstreamModel",
    "check_link",
    "check_unlink",
    "collect",
    "collect_all",
    "get_json_or_none",
    "linking",
    "lookup_assistant",
    "naming",
    "next_page",
    "parse",
    "parse_list",
    "which_missing",
]
