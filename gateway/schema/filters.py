"""The filter inputs of the phone-number connections.

``Query.phoneNumbers`` and ``Assistant.phoneNumbers`` narrow numbers by the same
conditions, so a frontend that filters one list filters the other the same way: one
input, :class:`AssistantPhoneNumberFilter`, holds them, and :class:`PhoneNumberFilter`
adds the choice of providers (an assistant's numbers are all at its own provider). They
live apart from ``query.py`` because ``types.py`` (``Assistant``) needs them too.
"""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from .. import model
from .docs import PROVIDERS_FILTER
from .enums import NumberStatus, NumberType, Provider

MAX_CARRIER = 100


def _flag(what: str) -> str:
    return (
        f"true: only numbers the provider reports as {what}; false: only those it reports "
        "as not. A number whose provider does not say (null) matches neither. Null: any."
    )


@strawberry.input(description="Conditions on what a number can do; all given ones must hold.")
class CapabilitiesFilter:
    voice: bool | None = strawberry.field(default=None, description=_flag("taking voice calls"))
    sms: bool | None = strawberry.field(default=None, description=_flag("SMS-capable"))
    mms: bool | None = strawberry.field(default=None, description=_flag("MMS-capable"))


@strawberry.input(
    description="Narrows Assistant.phoneNumbers (and, with providers, Query.phoneNumbers); "
    "all given conditions must hold."
)
class AssistantPhoneNumberFilter:
    status: NumberStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Only numbers with this status. Null: any. Applied upstream where the "
        "API can (ProviderInfo.nativeFilters), in the gateway otherwise.",
    )
    number_type: NumberType | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Only numbers of this type; a number whose provider does not report a "
        "type (numberType null) never matches. Null: any. Applied in the gateway.",
    )
    search: str | None = strawberry.field(
        default=None,
        description=(
            'Digits (e.g. "+1 555", "555-01") match within the number; other text matches '
            "displayName, case-insensitively. At most 100 characters (BAD_USER_INPUT "
            "beyond). Null or empty: no search. Applied in the gateway."
        ),
    )
    capabilities: CapabilitiesFilter | None = strawberry.field(
        default=None,
        description="Only numbers that can (or cannot) do these. Null: any. Applied in the "
        "gateway: no provider's API filters by capability.",
    )
    carrier: str | None = strawberry.field(
        default=None,
        description='Only numbers of this carrier (PhoneNumber.carrier, e.g. "twilio"), '
        "compared case-insensitively; a number whose provider does not say never matches. "
        f"At most {MAX_CARRIER} characters. Null: any. Applied in the gateway.",
    )
    locality: str | None = strawberry.field(
        default=None,
        description='Only numbers whose locality (PhoneNumber.locality, e.g. "Berlin") '
        "contains this text, case-insensitively; a number whose provider does not report "
        f"a locality never matches. At most {MAX_CARRIER} characters. Null or empty: any. "
        "Applied in the gateway.",
    )


@strawberry.input(description="Narrows Query.phoneNumbers; all given conditions must hold.")
class PhoneNumberFilter(AssistantPhoneNumberFilter):
    providers: list[Provider] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description=PROVIDERS_FILTER
    )


@dataclass(frozen=True, slots=True)
class NumberConditions:
    """What a number filter asks, in model terms, for listing.py."""

    status: model.NumberStatus | None = None
    number_type: model.NumberType | None = None
    search: str | None = None
    voice: bool | None = None
    sms: bool | None = None
    mms: bool | None = None
    carrier: str | None = None
    locality: str | None = None

    @classmethod
    def of(cls, f: AssistantPhoneNumberFilter | None) -> NumberConditions:
        if f is None:
            return cls()
        c = f.capabilities or CapabilitiesFilter()
        return cls(f.status, f.number_type, f.search, c.voice, c.sms, c.mms, f.carrier, f.locality)

    def fingerprint(self) -> str:
        """Binds cursors to the filter. The conditions added later are appended only when
        set, so a cursor issued before they existed still verifies."""
        base = f"{self.status}|{self.number_type}|{self.search}"
        extra = (self.voice, self.sms, self.mms, self.carrier)
        if extra != (None, None, None, None):
            base = f"{base}|{extra}"
        return base if self.locality is None else f"{base}|locality={self.locality!r}"


__all__ = [
    "AssistantPhoneNumberFilter",
    "CapabilitiesFilter",
    "NumberConditions",
    "PhoneNumberFilter",
]
