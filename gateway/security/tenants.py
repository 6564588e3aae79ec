"""Gateway authentication: an API key (stored only as its SHA-256) maps to a tenant.

Each tenant has its own provider credentials and therefore its own runtime (clients,
caches, cursor key), so nothing one tenant's requests load can reach another's.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import Refusal


class AuthError(Refusal):
    """401: no or unknown gateway credentials. The message never echoes the key."""

    def __init__(self, message: str) -> None:
        super().__init__("UNAUTHENTICATED", message, 401)


class TenantKey(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sha256: str = Field(description="hex SHA-256 of the API key (`switchboard hash-key`)")
    read_only: bool = False

    @field_validator("sha256")
    @classmethod
    def _hex(cls, value: str) -> str:
        value = value.strip().lower()
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise ValueError("must be the 64 hex characters of a SHA-256 digest")
        return value


@dataclass(frozen=True, slots=True)
class Caller:
    tenant: str
    read_only: bool


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key from ``X-API-Key`` or ``Authorization: Bearer``."""
    key = headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


class Authenticator:
    def __init__(self, keys: Mapping[str, list[TenantKey]]) -> None:
        self._keys = [
            (k.sha256, Caller(tenant, k.read_only)) for tenant, ks in keys.items() for k in ks
        ]

    def authenticate(self, headers: Mapping[str, str]) -> Caller:
        key = presented_key(headers)
        if key is None:
            raise AuthError("missing gateway API key (X-API-Key or Authorization: Bearer)")
        digest = hash_key(key)
        found = None
        for known, caller in self._keys:  # compare every entry: no early exit to time
            if hmac.compare_digest(known, digest):
                found = caller
        if found is None:
            raise AuthError("unknown gateway API key")
        return found
