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

The pool is bounded (``max_connections``, a blocking pool): a command waits at most
``pool_timeout`` seconds for a free connection, and one that waits longer is a miss (or a
dropped write) but **not** an outage: a busy pool says nothing about Redis, and resting
Redis for it would send every request upstream (issue 13: "Too many connections" under 20
clients, taken for an outage 12 times in 15 s).

An invalidation (``RedisCache.clear``) that cannot reach Redis is not forgotten: the cache
keeps it pending, serves no page from Redis meanwhile (so this replica never shows what
the write replaced) and retries it in the background until it lands, or until the longest
TTL it has written has passed since (by then every stale page has expired on its own).
A config reload hands a pending clear to the new generation's cache
(:meth:`RedisCache.adopt_pending`), since the old one closes its connection and retries.
Other replicas read the old pages only while Redis itself is unreachable for them too, or
for the moment between Redis answering again and the retry landing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import MaxConnectionsError, RedisError

from .window import Clock

log = logging.getLogger("gateway.redis")

T = TypeVar("T")

DEFAULT_PREFIX = "switchboard:"
PAGE_NAMESPACE = "page:"
APQ_NAMESPACE = "apq:"
# Keys deleted per UNLINK while clearing a namespace.
_CLEAR_BATCH = 500
DEFAULT_MAX_CONNECTIONS = 50
DEFAULT_POOL_TIMEOUT = 0.1
# How long a pending invalidation is kept when this process has written no page yet (it
# knows no TTL then): longer than any page TTL one would configure.
_DEFAULT_STALE_BOUND = 300.0
# Between two background attempts at a pending invalidation while Redis is not resting.
_INVALIDATION_RETRY_SECONDS = 0.1


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


class PoolBusy(Exception):
    """No pooled connection freed up within ``pool_timeout``: a miss, not an outage."""


@dataclass
class RedisStats:
    """Counters exported as ``switchboard_redis_<field>_total`` (docs/operations.md)."""

    errors: int = 0  # commands that failed: Redis down, slow, refusing (an outage)
    pool_timeouts: int = 0  # commands that found no free connection in time (no outage)
    invalidations_failed: int = 0  # clears that did not reach Redis (kept pending)
    invalidations_retried: int = 0  # pending clears that landed later


class RedisBackend:
    """A bounded Redis connection pool and the degraded-mode bookkeeping its users share."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout_seconds: float = 0.25,
        retry_after_seconds: float = 1.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        pool_timeout_seconds: float = DEFAULT_POOL_TIMEOUT,
        clock: Clock = time.monotonic,
    ) -> None:
        self.prefix = prefix
        self.where = describe_url(url)
        self.retry_after_seconds = retry_after_seconds
        self.max_connections = max_connections
        self.pool_timeout_seconds = pool_timeout_seconds
        self._password = url_password(url)
        self._clock = clock
        # At most max_connections commands at once, each waiting at most pool_timeout for
        # its turn: the wait is ours (a semaphore), so running out is told apart from
        # Redis failing. The blocking pool bounds the sockets the same way underneath.
        self._slots = asyncio.Semaphore(max_connections)
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=pool_timeout_seconds,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            # Our own retry policy is "miss now, try again after retry_after".
            retry=Retry(NoBackoff(), 0),
        )
        self.client: aioredis.Redis = aioredis.Redis(connection_pool=pool)
        self._down_until = 0.0
        self._down = False
        self.stats = RedisStats()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def errors(self) -> int:
        return self.stats.errors

    @property
    def available(self) -> bool:
        """False while Redis is being left alone after a failure."""
        return self._clock() >= self._down_until

    def now(self) -> float:
        return self._clock()

    def resting_for(self) -> float:
        """Seconds until Redis is tried again (0 when it is not being left alone)."""
        return max(0.0, self._down_until - self._clock())

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run background ``work`` (a retry) that :meth:`aclose` cancels."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def page_cache(self) -> RedisCache:
        return RedisCache(self)

    def query_store(
        self, ttl_seconds: float = 24 * 3600, max_query_bytes: int = 100_000
    ) -> RedisQueryStore:
        return RedisQueryStore(self, ttl_seconds=ttl_seconds, max_query_bytes=max_query_bytes)

    async def call(self, what: str, command: Callable[[], Awaitable[T]]) -> T | None:
        """Run ``command``; None if Redis is resting, if no connection is free within the
        pool timeout (counted, no outage), or on any Redis or network failure (Redis
        then rests a while)."""
        try:
            return await self.run(what, command)
        except PoolBusy:
            return None

    async def run(self, what: str, command: Callable[[], Awaitable[T]]) -> T | None:
        """:meth:`call`, but a full pool raises :class:`PoolBusy` (for callers that retry)."""
        if not self.available:
            return None
        try:
            async with asyncio.timeout(self.pool_timeout_seconds):
                await self._slots.acquire()
        except TimeoutError:
            self.stats.pool_timeouts += 1
            raise PoolBusy(what) from None
        try:
            result = await command()
        except MaxConnectionsError:  # the pool's own bound: busy as well, not down
            self.stats.pool_timeouts += 1
            raise PoolBusy(what) from None
        except (TimeoutError, RedisError, OSError) as exc:
            self._failed(what, exc)
            return None
        finally:
            self._slots.release()
        if self._down:
            self._down = False
            log.info("redis at %s is reachable again; shared cache back on", self.where)
        return result

    def _failed(self, what: str, exc: BaseException) -> None:
        self.stats.errors += 1
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
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
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
        self._longest_ttl = 0.0  # seconds: the longest TTL this cache has written
        self._pending_until: float | None = None  # a clear that has not landed yet
        self._retrying: asyncio.Task[None] | None = None

    @property
    def invalidation_pending(self) -> bool:
        """True while a clear that did not reach Redis is still owed (see the module)."""
        if self._pending_until is not None and self.backend.now() >= self._pending_until:
            self._pending_until = None  # every page from before it has expired by now
        return self._pending_until is not None

    def pending_for(self) -> float:
        """Seconds the pending clear is still owed for (0 when none is)."""
        if not self.invalidation_pending or self._pending_until is None:
            return 0.0
        return self._pending_until - self.backend.now()

    @property
    def longest_ttl(self) -> float:
        """The longest TTL this cache has written, in seconds."""
        return self._longest_ttl

    async def get(self, key: str) -> bytes | None:
        if self.invalidation_pending:  # what Redis holds may predate a write: not served
            self.misses += 1
            return None
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
        self._longest_ttl = max(self._longest_ttl, ttl_seconds)
        if self.invalidation_pending:
            return  # the pending clear would delete it anyway
        client = self.backend.client
        px = max(1, int(ttl_seconds * 1000))
        await self.backend.call("SET", lambda: client.set(self.namespace + key, value, px=px))

    async def clear(self) -> None:
        """Delete this cache's keys (and nothing else in the database), on every replica;
        if Redis cannot be reached, keep the clear pending and retry it (module docstring)."""
        if await self._try_clear():
            self._pending_until = None
            return
        self.backend.stats.invalidations_failed += 1
        bound = self._longest_ttl or _DEFAULT_STALE_BOUND
        self._pending_until = self.backend.now() + bound
        if self._retrying is None or self._retrying.done():
            self._retrying = self.backend.spawn(self._retry())

    def adopt_pending(self, previous: RedisCache) -> bool:
        """Owe what ``previous`` still owes: a clear that has not landed. For a reload
        (gateway/reload.py), whose closing generation takes its Redis connection, and the
        retries of its pending clear, with it (issue 13). Only between caches of the same
        Redis namespace; True if a pending clear was taken over (and is retried here)."""
        if previous is self or not previous.invalidation_pending:
            return False
        if (previous.backend.where, previous.namespace) != (self.backend.where, self.namespace):
            log.warning(
                "redis at %s: a pending cache invalidation is dropped, the new config "
                "uses %s; pages from before it expire within their TTL",
                previous.backend.where,
                self.backend.where,
            )
            return False
        until = self.backend.now() + previous.pending_for()
        if self._pending_until is None or until > self._pending_until:
            self._pending_until = until
        self._longest_ttl = max(self._longest_ttl, previous.longest_ttl)
        if self._retrying is None or self._retrying.done():
            self._retrying = self.backend.spawn(self._retry())
        return True

    async def _try_clear(self) -> bool:
        try:
            return await self.backend.run("clear", self._clear) is not None
        except PoolBusy:
            return False

    async def _retry(self) -> None:
        """Attempt the pending clear until it lands or is no longer needed."""
        backend = self.backend
        while self.invalidation_pending:
            await asyncio.sleep(backend.resting_for() + _INVALIDATION_RETRY_SECONDS)
            if self.invalidation_pending and await self._try_clear():
                self._pending_until = None
                backend.stats.invalidations_retried += 1
                log.info("redis at %s: the pending cache invalidation landed", backend.where)

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
        await self.backend.aclose()  # cancels a pending clear's retries too


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
