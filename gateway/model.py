"""The normalized records every adapter produces.

Plain frozen dataclasses: they are created in bulk on the hot path, so they carry no
validation of their own (adapters validate the upstream payload before building them).
A field an upstream does not have is ``None``, never invented.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

# The provider names live with the registry (adding a provider edits one module there).
from .providers.registry import PROVIDER_ORDER, ProviderName


class NumberStatus(enum.StrEnum):
    AVAILABLE = "AVAILABLE"
    ASSIGNED = "ASSIGNED"


class NumberType(enum.StrEnum):
    LOCAL = "LOCAL"
    MOBILE = "MOBILE"
    NATIONAL = "NATIONAL"
    TOLL_FREE = "TOLL_FREE"


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a number can do; ``None`` where the upstream does not say."""

    voice: bool | None = None
    sms: bool | None = None
    mms: bool | None = None
    inbound: bool | None = None
    outbound: bool | None = None


@dataclass(frozen=True, slots=True)
class AssistantRef:
    """A pointer from a number to an assistant of the same provider."""

    provider: ProviderName
    native_id: str
    # Set where the number embeds its assistant (Burki, Flireo): then no lookup is needed.
    name: str | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
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
    assistant: AssistantRef | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
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


__all__ = [
    "PROVIDER_ORDER",
    "Assistant",
    "AssistantRef",
    "Capabilities",
    "NumberStatus",
    "NumberType",
    "PhoneNumber",
    "ProviderName",
]
