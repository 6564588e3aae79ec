"""Opaque, versioned, signed cursors.

A cursor is ``base64url(json) + "." + base64url(hmac)``. The JSON carries only what the
gateway needs to resume each provider (its position and upstream cursor token), the
list it belongs to (kind + filter fingerprint) and when it was issued. Anything that
does not verify, has expired or belongs to another list is a :class:`BadCursorError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from .errors import BadCursorError

VERSION = 1


@dataclass(frozen=True, slots=True)
class Position:
    """Where an item sits in its provider's (natively filtered) upstream list."""

    provider: int  # index into the list's provider order
    index: int  # 0-based index in the upstream list
    token: str | None = None  # CURSOR upstreams: token of the page holding the item
    page_start: int = 0  # CURSOR upstreams: index of that page's first item


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Encodes positions for one list (``scope``) and rejects cursors of any other."""

    def __init__(self, secret: bytes, scope: str, ttl_seconds: int) -> None:
        self._secret = secret
        self._scope = scope
        self._ttl = ttl_seconds

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:16]

    def encode(self, pos: Position) -> str:
        body: dict[str, Any] = {
            "v": VERSION,
            "s": self._scope,
            "t": int(time.time()),
            "p": pos.provider,
            "i": pos.index,
        }
        if pos.token is not None:
            body["c"] = pos.token
            body["o"] = pos.page_start
        payload = json.dumps(body, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode(self, cursor: str) -> Position:
        try:
            head, _, sig = cursor.partition(".")
            payload = _unb64(head)
            ok = hmac.compare_digest(_unb64(sig), self._sign(payload))
        except (ValueError, binascii.Error):
            ok = False
        if not ok:
            raise BadCursorError("cursor is malformed or was not issued by this gateway")
        body = json.loads(payload)
        if body.get("v") != VERSION:
            raise BadCursorError("cursor version is not supported; restart paging")
        if body.get("s") != self._scope:
            raise BadCursorError("cursor belongs to a different list or filter")
        if time.time() - body.get("t", 0) > self._ttl:
            raise BadCursorError("cursor has expired; restart paging")
        return Position(
            provider=int(body["p"]),
            index=int(body["i"]),
            token=body.get("c"),
            page_start=int(body.get("o", 0)),
        )
