"""How a provider's API key travels: one :class:`AuthScheme` an adapter declares.

Providers differ only in the header (``Authorization: Bearer`` or an API-key header) and
in ids some want beside the key (Butter's organization). What a missing key does is the
same for all of them: no credential header is sent, the upstream answers 401 and the
gateway reports ``UPSTREAM_UNAUTHORIZED`` naming the provider; nothing fails at start-up
and no empty or half-built credential goes on the wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..config import ProviderSettings


@dataclass(frozen=True, slots=True)
class AuthScheme:
    """The key in ``header``, after ``prefix``; ``ids``: header -> settings field, each
    sent where its setting is set (an unset one is left for the upstream to refuse)."""

    header: str
    prefix: str = ""
    ids: Mapping[str, str] = field(default_factory=dict)

    def headers(self, settings: ProviderSettings) -> dict[str, str]:
        """The headers of every call made with ``settings``."""
        sent = {self.header: f"{self.prefix}{settings.api_key}"} if settings.api_key else {}
        for header, name in self.ids.items():
            value = getattr(settings, name, None)
            if value:
                sent[header] = str(value)
        return sent


BEARER = AuthScheme("Authorization", "Bearer ")


__all__ = ["BEARER", "AuthScheme"]
