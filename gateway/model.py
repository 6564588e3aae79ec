"""The normalized records every adapter produces.

Plain immutable dataclasses (:func:`record`): they are created in bulk on the hot path,
so they carry no validation of their own (adapters validate the upstream payload before
building them). A field an upstream does not have is ``None``, never invented.
"""

from __future__ import annotations

import enum
from dataclasses import field
from datetime import datetime

# The provider names live with the registry (adding a provider edits one module there).
from .providers.registry import PROVIDER_ORDER, ProviderName
from .records import record


class NumberStatus(enum.StrEnum):
    AVAILABLE = "AVAILABLE"
    ASSIGNED = "ASSIGNED"


class NumberType(enum.StrEnum):
    LOCAL = "LOCAL"
    MOBILE = "MOBILE"
    NATIONAL = "NATIONAL"
    TOLL_FREE = "TOLL_FREE"


@record
class Capabilities:
    """What a number can do; ``None`` where the upstream does not say."""

    voice: bool | None = None
    sms: bool | None = None
    mms: bool | None = None
    inbound: bool | None = None
    outbound: bool | None = None


@record
class AssistantRef:
    """A pointer from a number to an assistant of the same provider."""

    provider: ProviderName
    native_id: str
    # Set where the number embeds its assistant (Burki, Flireo): then no lookup is needed.
    name: str | None = None
    active: bool | None = None


class RouteDirection(enum.StrEnum):
    """Which calls (or messages) a route takes."""

    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"
    # The provider links a number to one assistant without saying for which direction.
    UNSPECIFIED = "UNSPECIFIED"


class RouteChannel(enum.StrEnum):
    VOICE = "VOICE"
    SMS = "SMS"


@record
class RouteKind:
    """What a provider's link from a number to an assistant is for."""

    direction: RouteDirection = RouteDirection.UNSPECIFIED
    channel: RouteChannel = RouteChannel.VOICE


@record
class Route:
    """One way a number reaches an assistant; ``weight`` its share of that direction and
    channel (the shares of one direction and channel sum to 1), ``None`` without a split."""

    assistant: AssistantRef
    kind: RouteKind
    weight: float | None = None


@record
class PhoneNumber:
    provider: ProviderName
    native_id: str
    number: str
    status: NumberStatus
    display_name: str | None = None
    number_type: NumberType | None = None
    locality: str | None = None
    capabilities: Capabilities = field(default_factory=Capabilities)
    carrier: str | None = None
    # The number's assistant; for a number routed to several, the primary one
    # (:func:`primary_route`), so a client reading only this field still sees one.
    assistant: AssistantRef | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Every route, where the provider lists routes (directions, channels, weighted
    # splits); empty where its one link is ``assistant`` (see :func:`routes_of`).
    routes: tuple[Route, ...] = ()


@record
class Assistant:
    provider: ProviderName
    native_id: str
    name: str
    active: bool | None = None
    # Native ids of the numbers the assistant holds, where the upstream lists them on the
    # assistant itself (Butter, Synthflow); ``None`` where only the number points to it.
    phone_number_ids: tuple[str, ...] | None = None
    # E.164 numbers the assistant holds, for upstreams that link by number (Synthflow).
    phone_numbers: tuple[str, ...] | None = None
    # When the assistant was created at the provider, where it says.
    created_at: datetime | None = None


# Which route is a number's ``assistant`` when it has several: voice before SMS, inbound
# (the calls a number receives, what a single link means at most providers) first.
_PRIMARY_ORDER = tuple(
    RouteKind(d, c)
    for c in (RouteChannel.VOICE, RouteChannel.SMS)
    for d in (RouteDirection.INBOUND, RouteDirection.UNSPECIFIED, RouteDirection.OUTBOUND)
)


def primary_route(routes: tuple[Route, ...]) -> Route | None:
    """The route a number's ``assistant`` shows: of the first kind in ``_PRIMARY_ORDER``
    that has routes, the one with the largest share, the first listed on a tie."""
    for kind in _PRIMARY_ORDER:
        group = [r for r in routes if r.kind == kind]
        if group:
            return max(group, key=lambda r: 1.0 if r.weight is None else r.weight)
    return None


def routes_of(number: PhoneNumber, link: RouteKind) -> tuple[Route, ...]:
    """Every route of ``number``: the listed ones, else its one ``assistant`` as a route
    of ``link`` (what its provider's single link means)."""
    if number.routes:
        return number.routes
    if number.assistant is None:
        return ()
    return (Route(number.assistant, link),)


def routed_assistant_ids(number: PhoneNumber, link: RouteKind) -> list[str]:
    """The distinct native ids of the assistants ``number`` routes to, in route order."""
    return list(dict.fromkeys(r.assistant.native_id for r in routes_of(number, link)))


__all__ = [
    "PROVIDER_ORDER",
    "Assistant",
    "AssistantRef",
    "Capabilities",
    "NumberStatus",
    "NumberType",
    "PhoneNumber",
    "ProviderName",
    "Route",
    "RouteChannel",
    "RouteDirection",
    "RouteKind",
    "primary_route",
    "routed_assistant_ids",
    "routes_of",
]
