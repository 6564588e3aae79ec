"""Opaque, versioned, signed cursors.

A cursor is ``base64url(json) + "." + base64url(hmac)``. The JSON carries only what the
gateway needs to resume each provider (its position and upstream cursor token), the
list it belongs to (kind + filter fingerprint) and when it was issued. Anything that
does not verify, has expired or belongs to another list is a :class:`BadCursorError`.

A cursor issued while a provider was failing also carries the traversal's *trail*: the
providers it still owes the client (each with where to resume it) and, for an item of
such a provider, the frontier the traversal had reached. That is how a traversal that
started during an outage still sees every item once after it (README, partial outage).
Cursors without a trail are the same bytes as before, so old cursors stay valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

import orjson

from .errors import BadCursorError
from .records import record

VERSION = 1
# Cursors of sorted lists (``orderBy``): keysets instead of upstream positions.
KEYSET_VERSION = 2

# A sorted list's place: the requested keys' values, the provider slot, the native id
# (gateway/ordering.py).
Keyset = tuple[tuple[int | str | None, ...], int, str]


@record
class Position:
    """Where an item sits in its provider's (natively filtered) upstream list."""

    provider: int  # index into the list's provider order
    index: int  # 0-based index in the upstream list
    token: str | None = None  # CURSOR upstreams: token of the page holding the item
    page_start: int = 0  # CURSOR upstreams: index of that page's first item


@record
class Owed:
    """A provider a traversal skipped because it failed, and where to resume it."""

    slot: int
    resume: Position | None = None  # None: from its start (forwards) or end (backwards)


class _Resumes:
    """What a page that continues from a cursor needs of it, for both cursor kinds."""

    __slots__ = ()
    position: Any
    owed: tuple[Any, ...]
    backward: bool

    @property
    def reached(self) -> Any:
        raise NotImplementedError

    def resume(self, backward: bool) -> tuple[Any, tuple[Any, ...]]:
        """Where a page in direction ``backward`` starts, and the providers it owes; a
        cursor used the other way counts only its own place."""
        if self.backward is not backward:
            return self.position, ()
        return self.reached, self.owed


@record
class Cursor(_Resumes):
    """An item's place in the list plus the traversal's state right after it.

    ``position`` is the item's own place in the canonical order (what ``before`` and
    ``after`` mean for a client that changes direction). ``frontier`` and ``owed`` only
    apply when the cursor continues the traversal in its own direction (``backward``).
    """

    position: Position
    frontier: Position | None = None  # None: the position itself
    owed: tuple[Owed, ...] = ()
    backward: bool = False

    @property
    def reached(self) -> Position:
        """Where the traversal stands in the canonical order."""
        return self.frontier or self.position

    def slots(self) -> list[int]:
        """Every provider index the cursor names (validated against the list)."""
        return [self.reached.provider, self.position.provider, *(o.slot for o in self.owed)]


@record
class KeysetCursor(_Resumes):
    """An item's place in a sorted list plus the traversal's state right after it: as
    :class:`Cursor`, with keysets for positions (``owed``: slot and where to resume it,
    None from its start), so a page starts right after the item whatever was added or
    removed since."""

    position: Keyset
    frontier: Keyset | None = None
    owed: tuple[tuple[int, Keyset | None], ...] = ()
    backward: bool = False

    @property
    def reached(self) -> Keyset:
        return self.frontier or self.position

    def slots(self) -> list[int]:
        return [self.reached[1], self.position[1], *(slot for slot, _ in self.owed)]


def _keyset_out(k: Keyset) -> list[Any]:
    return [list(k[0]), k[1], k[2]]


def _keyset_in(raw: Any, width: int) -> Keyset:
    values, slot, native_id = raw
    if len(values) != width or not all(v is None or type(v) in (int, str) for v in values):
        raise ValueError("keyset does not fit the order")
    if type(slot) is not int or type(native_id) is not str:
        raise ValueError("keyset names no item")
    return (tuple(values), slot, native_id)


def _pos_out(pos: Position) -> list[Any]:
    return [pos.provider, pos.index] + ([pos.token, pos.page_start] if pos.token else [])


def _pos_in(raw: list[Any]) -> Position:
    token = str(raw[2]) if len(raw) > 2 and raw[2] is not None else None
    return Position(int(raw[0]), int(raw[1]), token, int(raw[3]) if len(raw) > 3 else 0)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Encodes positions for one list (``scope``) and rejects cursors of any other."""

    def __init__(
        self, secret: bytes, scope: str, ttl_seconds: int, clock: Callable[[], float] = time.time
    ) -> None:
        # The keyed HMAC state, set up once: signing a cursor copies it (a page of 100
        # edges signs 100 cursors, and deriving the key each time was half the cost).
        self._keyed = hmac.new(secret, digestmod=hashlib.sha256)
        self._scope = scope
        self._ttl = ttl_seconds
        self._clock = clock  # wall-clock seconds: a cursor's age must survive restarts

    def _sign(self, payload: bytes) -> bytes:
        mac = self._keyed.copy()
        mac.update(payload)
        return mac.digest()[:16]

    def encode(self, cursor: Cursor | Position) -> str:
        if isinstance(cursor, Position):
            cursor = Cursor(cursor)
        pos = cursor.position
        body: dict[str, Any] = {
            "v": VERSION,
            "s": self._scope,
            "t": int(self._clock()),
            "p": pos.provider,
            "i": pos.index,
        }
        if pos.token is not None:
            body["c"] = pos.token
            body["o"] = pos.page_start
        if cursor.frontier is not None and cursor.frontier != pos:
            body["f"] = _pos_out(cursor.frontier)
        if cursor.owed:
            body["k"] = [_pos_out(o.resume) if o.resume else [o.slot] for o in cursor.owed]
        if cursor.backward and (cursor.owed or "f" in body):
            body["d"] = 1
        return self._seal(body)

    def _seal(self, body: dict[str, Any]) -> str:
        payload = orjson.dumps(body)
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def _open(self, cursor: str, version: int) -> dict[str, Any]:
        """The verified body of a cursor of this list and ``version``, or BadCursorError."""
        try:
            head, _, sig = cursor.partition(".")
            payload = _unb64(head)
            ok = hmac.compare_digest(_unb64(sig), self._sign(payload))
        except (ValueError, binascii.Error):
            ok = False
        if not ok:
            raise BadCursorError("cursor is malformed or was not issued by this gateway")
        try:
            body = orjson.loads(payload)
        except orjson.JSONDecodeError:
            raise BadCursorError("cursor is malformed or was not issued by this gateway") from None
        if not isinstance(body, dict):
            raise BadCursorError("cursor is malformed or was not issued by this gateway")
        if body.get("s") != self._scope:
            raise BadCursorError("cursor belongs to a different list, filter or order")
        if body.get("v") != version:
            raise BadCursorError("cursor version is not supported; restart paging")
        if self._clock() - body.get("t", 0) > self._ttl:
            raise BadCursorError("cursor has expired; restart paging")
        return body

    def decode(self, cursor: str) -> Cursor:
        body = self._open(cursor, VERSION)
        try:
            position = Position(
                provider=int(body["p"]),
                index=int(body["i"]),
                token=body.get("c"),
                page_start=int(body.get("o", 0)),
            )
            frontier = _pos_in(body["f"]) if "f" in body else None
            owed = tuple(
                Owed(int(o[0]), _pos_in(o) if len(o) > 1 else None) for o in body.get("k", ())
            )
        except (KeyError, TypeError, ValueError, IndexError):
            raise BadCursorError("cursor is malformed or was not issued by this gateway") from None
        return Cursor(position, frontier, owed, backward=bool(body.get("d")))

    def encode_keyset(self, cursor: KeysetCursor) -> str:
        body: dict[str, Any] = {
            "v": KEYSET_VERSION,
            "s": self._scope,
            "t": int(self._clock()),
            "k": _keyset_out(cursor.position),
        }
        if cursor.frontier is not None and cursor.frontier != cursor.position:
            body["f"] = _keyset_out(cursor.frontier)
        if cursor.owed:
            body["o"] = [[s] if k is None else [s, _keyset_out(k)] for s, k in cursor.owed]
        if cursor.backward and (cursor.owed or "f" in body):
            body["d"] = 1
        return self._seal(body)

    def decode_keyset(self, cursor: str, width: int) -> KeysetCursor:
        """A sorted list's cursor; ``width``: how many keys its order has."""
        body = self._open(cursor, KEYSET_VERSION)
        try:
            position = _keyset_in(body["k"], width)
            frontier = _keyset_in(body["f"], width) if "f" in body else None
            owed = tuple(
                (int(o[0]), _keyset_in(o[1], width) if len(o) > 1 else None)
                for o in body.get("o", ())
            )
        except (KeyError, TypeError, ValueError, IndexError):
            raise BadCursorError("cursor is malformed or was not issued by this gateway") from None
        return KeysetCursor(position, frontier, owed, backward=bool(body.get("d")))
