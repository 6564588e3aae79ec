"""Redis behind the gateway's shared-state interfaces, so replicas share what they cache.

One :class:`RedisBackend` per process (one connection pool) serves two things:

- :class:`RedisCache`, a :class:`~gateway.resilience.cache.PageCache` for upstream pages
  (``SET key value PX ttl``; ``clear()`` deletes its namespace only, with ``SCAN``);
- :class:`RedisQueryStore`, the automatic-persisted-query store
  (:class:`~gateway.security.apq.QueryStore`), its entries bounded by a TTL.

Redis is an optimisation, never a dependency of a request: when it is down, slow or
refusing, a read is a miss, a write is dropped, one warning is logged (without the URL's
credentials) and Redis is left alone for ``retry_after`` seconds, so a dead Redis costs a
request nothing. The next successful call logs that it is back.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from .window import Clock

log = logging.getLogger("gateway.redis")

T = TypeVar("T")

DEFAULT_PREFIX = "switchboard:"
PAGE_NAMESPACE = "page:"
APQ_NAMESPACE = "apq:"
# Keys deleted per UNLINK while clearing a namespace.
_CLEAR_BATCH = 500


def describe_url(url: str) -> str:
    """``scheme://host:port/db`` of a Redis URL: what a log line may show (no user, no
    password, no query string)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "redis (unparsable URL)"
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    return f"{parts.scheme}://{host}{port}{parts.path}"


def url_password(url: str) -> str | None:
    """The password of a Redis URL, if it has one (to scrub it from anything logged)."""
    try:
        return urlsplit(url).password or None
    except ValueError:
        return None


def _glob_escape(text: str) -> str:
    """``text`` as a literal in a Redis ``MATCH`` pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class RedisBackend:
    """A Redis connection pool and the degraded-mode bookkeeping its users share."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout_seconds: float = 0.25,
        retry_after_seconds: float = 1.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.prefix = prefix
        self.where = describe_url(url)
        self.retry_after_seconds = retry_after_seconds
        self._password = url_password(url)
        self._clock = clock
        # Our own retry policy is "miss now, try again after retry_after": no client retries.
        self.client: aioredis.Redis = aioredis.Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
        self._down_until = 0.0
        self._down = False
        self.errors = 0

    @property
    def available(self) -> bool:
        """False while Redis is being left alone after a failure."""
        return self._clock() >= self._down_until

    def page_cache(self) -> RedisCache:
        return RedisCache(self)

    def query_store(
        self, ttl_seconds: float = 24 * 3600, max_query_bytes: int = 100_000
    ) -> RedisQueryStore:
        return RedisQueryStore(self, ttl_seconds=ttl_seconds, max_query_bytes=max_query_bytes)

    async def call(self, what: str, command: Callable[[], Awaitable[T]]) -> T | None:
        """Run ``command``; on any Redis or network failure, None (and Redis rests a while)."""
        if not self.available:
            return None
        try:
            result = await command()
        except (TimeoutError, RedisError, OSError) as exc:
            self._failed(what, exc)
            return None
        if self._down:
            self._down = False
            log.info("redis at %s is reachable again; shared cache back on", self.where)
        return result

    def _failed(self, what: str, exc: BaseException) -> None:
        self.errors += 1
        self._down_until = self._clock() + self.retry_after_seconds
        if self._down:
            return  # logged when it went down; one line per outage, not one per request
        self._down = True
        detail = str(exc)
        if self._password:
            detail = detail.replace(self._password, "[REDACTED]")
        log.warning(
            "redis at %s failed during %s (%s: %s); serving without the shared cache, "
            "retrying in %.1fs",
            self.where,
            what,
            type(exc).__name__,
            detail,
            self.retry_after_seconds,
        )

    async def aclose(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.client.aclose()


class RedisCache:
    """The upstream page cache in Redis, shared by every replica pointing at it.

    Keys are ``<prefix>page:<request key>``; the request key already holds a digest of
    the credentials, so tenants and keys never share an entry.
    """

    def __init__(self, backend: RedisBackend) -> None:
        self.backend = backend
        self.namespace = backend.prefix + PAGE_NAMESPACE
        self.hits = 0
        self.misses = 0

    async def get(self, key: str) -> bytes | None:
        client = self.backend.client
        value = await self.backend.call("GET", lambda: client.get(self.namespace + key))
        if isinstance(value, bytes):
            self.hits += 1
            return value
        self.misses += 1
        return None

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            return
        client = self.backend.client
        px = max(1, int(ttl_seconds * 1000))
        await self.backend.call("SET", lambda: client.set(self.namespace + key, value, px=px))

    async def clear(self) -> None:
        """Delete this cache's keys (and nothing else in the database), on every replica."""
        await self.backend.call("clear", self._clear)

    async def _clear(self) -> int:
        client = self.backend.client
        pattern = _glob_escape(self.namespace) + "*"
        batch: list[bytes] = []
        deleted = 0
        async for key in client.scan_iter(match=pattern, count=_CLEAR_BATCH):
            batch.append(key)
            if len(batch) >= _CLEAR_BATCH:
                deleted += await client.unlink(*batch)
                batch.clear()
        if batch:
            deleted += await client.unlink(*batch)
        return deleted

    async def aclose(self) -> None:
        await self.backend.aclose()


class RedisQueryStore:
    """Persisted queries in Redis: registered on one replica, found on all of them.

    Bounded by a TTL (renewed whenever the query is registered again) instead of an LRU.
    """

    def __init__(
        self,
        backend: RedisBackend,
        *,
        ttl_seconds: float = 24 * 3600,
        max_query_bytes: int = 100_000,
    ) -> None:
        self.backend = backend
        self.namespace = backend.prefix + APQ_NAMESPACE
        self.ttl_seconds = ttl_seconds
        self.max_query_bytes = max_query_bytes

    async def get(self, digest: str) -> str | None:
        client = self.backend.client
        value = await self.backend.call("APQ GET", lambda: client.get(self.namespace + digest))
        if not isinstance(value, bytes):
            return None
        try:
            return value.decode()
        except UnicodeDecodeError:
            return None

    async def set(self, digest: str, query: str) -> None:
        data = query.encode()
        if len(data) > self.max_query_bytes or self.ttl_seconds <= 0:
            return
        client = self.backend.client
        px = max(1, int(self.ttl_seconds * 1000))
        await self.backend.call("APQ SET", lambda: client.set(self.namespace + digest, data, px=px))
