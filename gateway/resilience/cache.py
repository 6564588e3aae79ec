"""A short TTL cache of upstream pages, behind an interface a shared cache can implement.

Values are the raw response bodies (bytes): what a Redis or memcached implementation
would store too, and immutable, so no caller can change what another one reads.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import orjson

from .window import Clock

KEY_VERSION = "v1"


@runtime_checkable
class PageCache(Protocol):
    """What the upstream client needs from a cache. Async, so a networked one fits."""

    async def get(self, key: str) -> bytes | None:
        """The value stored under ``key``, or None when absent or expired."""
        ...

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        """Store ``value`` under ``key`` for ``ttl_seconds``."""
        ...


class MemoryCache:
    """In-process LRU with a TTL per entry, bounded by entry count and by total bytes."""

    def __init__(
        self,
        max_entries: int = 1024,
        max_bytes: int = 32 * 1024 * 1024,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= self._clock():
            if entry is not None:
                self._drop(key)
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[1]

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        if ttl_seconds <= 0 or len(value) > self.max_bytes or self.max_entries == 0:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (self._clock() + ttl_seconds, value)
        self._bytes += len(value)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def _drop(self, key: str) -> None:
        _, value = self._entries.pop(key)
        self._bytes -= len(value)


def credential_fingerprint(headers: Mapping[str, str]) -> str:
    """A digest of the headers a request is sent with (credentials among them).

    Goes into cache and coalescing keys so callers with different credentials never share
    a response, while the key itself never holds a secret.
    """
    digest = hashlib.sha256(b"switchboard-credentials\0")
    for name, value in sorted((k.lower(), v) for k, v in headers.items()):
        digest.update(f"{name}\0{value}\0".encode())
    return digest.hexdigest()[:32]


def request_key(
    *,
    provider: str,
    base_url: str,
    credentials: str,
    method: str,
    path: str,
    params: Mapping[str, Any],
    body: Any = None,
    generation: int = 0,
) -> str:
    """The key of everything that makes an upstream response differ.

    ``credentials`` is a :func:`credential_fingerprint`; ``generation`` changes when a
    write through the same client may have changed what the upstream returns.
    """
    parts = {
        "base": base_url,
        "cred": credentials,
        "method": method.upper(),
        "path": path,
        "params": sorted((str(k), str(v)) for k, v in params.items()),
        "body": body,
        "gen": generation,
    }
    options = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    encoded = orjson.dumps(parts, default=str, option=options)
    digest = hashlib.sha256(encoded).hexdigest()
    return f"upstream:{KEY_VERSION}:{provider}:{digest}"
