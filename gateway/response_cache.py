"""Whole responses of queries, kept in the runtime's page cache.

A repeated query (same tenant, document text, operation and variables) is answered with
the bytes of its last successful response, without executing: for the page cache's TTL
(the shortest of the tenant's providers), in memory or in Redis like the pages. Living in
the page cache gives it the same invalidation: a write clears the page cache, and so every
response. Only responses without errors are stored, and none whose execution overlapped
a write of this runtime (it may have read pages from before the write).

A POST whose ``Content-Type`` and body are byte for byte those of an earlier one (a
dashboard polling) is looked up by the key that body gave, without parsing it and
computing its key again (:meth:`ResponseCache.known_hit`): parsing and keying were a
sixth of a hit's CPU. What is remembered is only body -> key, a pure function of the
bytes under this cache's scope, so it needs no invalidation of its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from .lru import LRU
from .resilience import PageCache
from .runtime import Runtime

KEY_VERSION = "r1"
# Request bodies remembered per tenant (bytes), and the largest one remembered.
KNOWN_BODY_BYTES = 512 * 1024
LARGEST_KNOWN_BODY = 16 * 1024


class ResponseCache:
    """The response cache of one runtime (one tenant)."""

    def __init__(self, cache: PageCache, ttl_seconds: float, scope: str) -> None:
        self.cache = cache
        self.ttl_seconds = ttl_seconds
        self.scope = scope
        # Writes started, and writes in flight: a response is stored only if neither
        # changed while it was computed.
        self.writes_started = 0
        self.writes_in_flight = 0
        self.hits = 0
        self.misses = 0
        self._known = LRU(KNOWN_BODY_BYTES, LARGEST_KNOWN_BODY)

    @classmethod
    def for_runtime(cls, runtime: Runtime, tenant: str | None) -> ResponseCache | None:
        """None when the runtime has no page cache or one of its providers caches nothing."""
        if runtime.cache is None or not runtime.providers:
            return None
        ttl = min(
            runtime.settings.resilience_for(name, prov).cache_ttl_seconds
            for name, prov in runtime.providers.items()
        )
        if ttl <= 0:
            return None
        # The scope binds entries to this tenant and this configuration: a reload with
        # other settings (or another tenant on a shared Redis) never reads them.
        config = runtime.settings.model_dump_json(exclude={"tenants"}).encode()
        scope = hashlib.sha256(f"{tenant}\x1f".encode() + config).hexdigest()[:24]
        return cls(runtime.cache, ttl, scope)

    def key(
        self, query: str, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> str:
        digest = hashlib.sha256(query.encode())
        digest.update(b"\x1f" + (operation_name or "").encode() + b"\x1f")
        digest.update(orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS))
        return f"response:{KEY_VERSION}:{self.scope}:{digest.hexdigest()}"

    def remember(self, content_type: str, body: bytes, key: str) -> None:
        """That a POST with this ``Content-Type`` and body has the key ``key``."""
        self._known.put((content_type, body), key, len(body))

    async def known_hit(self, content_type: str, body: bytes) -> bytes | None:
        """The stored response of a POST remembered with this exact header and body;
        None without counting a miss (the caller then goes the whole way, which does)."""
        key = self._known.get((content_type, body))
        return None if key is None else await self.lookup(key)

    async def lookup(self, key: str) -> bytes | None:
        """The stored response under ``key``, counting a hit; a miss is counted by
        :meth:`missed`, once the gate has said the operation is a query that will run
        (a mutation or a refused document is no miss of a query cache)."""
        body = await self.cache.get(key)
        if body is not None:
            self.hits += 1
        return body

    def missed(self) -> None:
        self.misses += 1

    async def get(self, key: str) -> bytes | None:
        """:meth:`lookup`, counting a miss too (for an operation already admitted)."""
        body = await self.lookup(key)
        if body is None:
            self.missed()
        return body

    def mark(self) -> int | None:
        """Taken before executing: None if a write is in flight (nothing will be stored)."""
        return None if self.writes_in_flight else self.writes_started

    async def store(self, key: str, mark: int | None, body: bytes) -> None:
        if mark is not None and mark == self.writes_started and not self.writes_in_flight:
            await self.cache.set(key, body, self.ttl_seconds)

    def begin_write(self) -> None:
        self.writes_started += 1
        self.writes_in_flight += 1

    def end_write(self) -> None:
        self.writes_in_flight -= 1


class ResponseCacheCollector(Collector):
    """``switchboard_response_cache_{hits,misses}_total`` per tenant."""

    def __init__(self, caches: Mapping[str | None, ResponseCache]) -> None:
        self.caches = caches

    HELP = {
        "hits": "Queries answered from the whole-response cache, per tenant.",
        "misses": "Queries the whole-response cache could not answer, per tenant.",
    }

    def collect(self) -> Iterator[CounterMetricFamily]:
        for what, help_text in self.HELP.items():
            family = CounterMetricFamily(
                f"switchboard_response_cache_{what}", help_text, labels=["tenant"]
            )
            for tenant, cache in self.caches.items():
                family.add_metric([tenant or ""], float(getattr(cache, what)))
            yield family
