"""The long-lived part of a running gateway: settings, one client and adapter per provider."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from .config import ProviderSettings, Settings
from .list_lengths import ListLengths
from .model import ProviderName
from .providers import get_spec
from .providers.base import ProviderAdapter
from .resilience import MemoryCache, PageCache
from .resilience.redis_cache import RedisBackend
from .sorted_snapshots import SortedSnapshots
from .upstream import UpstreamClient
from .warm_start import WarmStarts


@dataclass(frozen=True, slots=True)
class ProviderFailure:
    """The last upstream error a response of a runtime carried for one provider."""

    code: str
    message: str
    upstream_status: int | None
    at: datetime


@dataclass
class Runtime:
    settings: Settings
    adapters: dict[ProviderName, ProviderAdapter]
    clients: dict[ProviderName, UpstreamClient]
    # Signs cursors; random per process unless configured, so set it when running replicas.
    cursor_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    # Upstream pages shared by all requests for a few seconds (docs/resilience.md).
    cache: PageCache | None = None
    # The provider settings the clients were built from (credentials resolved).
    providers: dict[ProviderName, ProviderSettings] = field(default_factory=dict)
    # True when this runtime opened its cache (a Redis connection) and closes it.
    owns_cache: bool = False
    # Per provider, the last upstream error a response carried (``providers { health }``,
    # recorded by schema/health.py); lives and dies with the runtime, so a reload clears it.
    last_errors: dict[ProviderName, ProviderFailure] = field(default_factory=dict)
    # Wall-clock seconds, for what outlives a process (a cursor's issue time); injectable.
    clock: Callable[[], float] = time.time
    # The lengths of the upstream lists this runtime has read (pagination hints).
    lengths: ListLengths = field(init=False)
    # The sorted parts of the lists pages were sorted from (gateway/sorted_snapshots.py).
    snapshots: SortedSnapshots = field(init=False)
    # The pages steady queries ask, asked before they execute (gateway/warm_start.py).
    warm_starts: WarmStarts = field(init=False, default_factory=WarmStarts)

    def __post_init__(self) -> None:
        self.lengths = ListLengths(self.settings.list_length_seconds)
        self.snapshots = SortedSnapshots(self.settings.sorted_snapshot_max_items)

    def snapshot_seconds(self, provider: ProviderName) -> float:
        """How long a sorted part of ``provider``'s list may be kept: its page cache TTL,
        while this process's own memory cache is on. None with Redis: a write through
        another replica clears the shared cache, which this process's parts would miss."""
        cache = self.cache
        if not isinstance(cache, MemoryCache) or cache.max_entries == 0:
            return 0.0
        return self.clients[provider].policy.cache_ttl_seconds

    async def invalidate(self, _provider: ProviderName) -> None:
        """Forget what is kept across requests about the provider written to: called after
        every write to it (a link or unlink) has finished, so the next read shows the new
        state.

        The client already starts a new cache generation when it sends a write; clearing
        the page cache once the write is over also drops pages that reads running during
        the write stored. The cache is shared and keyed by digests, so it is cleared for
        every provider: writes are rare, and the cost is a few cache misses. A shared
        (Redis) cache is cleared for every replica, so they all read this write too.
        A write can move a number between the ``status`` lists: lengths are forgotten too,
        and so are the sorted parts of the lists.
        """
        self.lengths.clear()
        self.snapshots.clear()
        clear = getattr(self.cache, "clear", None)
        if callable(clear):
            cleared = clear()
            if inspect.isawaitable(cleared):
                await cleared

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()
        close = getattr(self.cache, "aclose", None)
        if self.owns_cache and callable(close):
            await close()


def build_runtime(
    settings: Settings,
    providers: dict[ProviderName, ProviderSettings],
    transports: Mapping[ProviderName, httpx.AsyncBaseTransport] | None = None,
    *,
    cursor_key: bytes | None = None,
    cache: PageCache | None = None,
) -> Runtime:
    """Create the adapters for ``providers`` (in the documented provider order).

    ``cursor_key`` signs this runtime's cursors; each tenant gets its own, so a cursor
    issued to one tenant is BAD_CURSOR for every other. ``cache`` is a page cache shared
    with other runtimes (the app's one Redis connection); without it the runtime makes
    its own from the settings (``cache_backend``) and closes it with itself.
    """
    adapters: dict[ProviderName, ProviderAdapter] = {}
    clients: dict[ProviderName, UpstreamClient] = {}
    owns_cache = cache is None
    if cache is None:
        cache = build_page_cache(settings)
    for name in sorted(providers, key=list(ProviderName).index):
        provider = get_spec(name)
        prov = provider.parse_settings(providers[name])
        cls = provider.adapter
        transport = (transports or {}).get(name)
        client = UpstreamClient(
            name,
            prov,
            cls.auth.headers(prov),
            transport=transport,
            policy=settings.resilience_for(name, prov),
            cache=cache,
        )
        clients[name] = client
        adapters[name] = cls(prov, client)
    runtime = Runtime(
        settings=settings,
        adapters=adapters,
        clients=clients,
        cache=cache,
        providers=providers,
        owns_cache=owns_cache,
    )
    if cursor_key is not None:
        runtime.cursor_secret = cursor_key
    elif settings.cursor_secret:
        runtime.cursor_secret = settings.cursor_secret.encode()
    return runtime


def open_redis(settings: Settings) -> RedisBackend | None:
    """The Redis connection of ``cache_backend = "redis"`` (None for "memory").

    Opening is lazy: nothing connects until the first command, and a Redis that is down
    only makes the cache miss (gateway/resilience/redis_cache.py).
    """
    if settings.cache_backend != "redis" or not settings.redis_url:
        return None
    return RedisBackend(
        settings.redis_url,
        prefix=settings.redis_prefix,
        timeout_seconds=settings.redis_timeout_seconds,
        max_connections=settings.redis_max_connections,
        pool_timeout_seconds=settings.redis_pool_timeout_seconds,
    )


def build_page_cache(settings: Settings) -> PageCache:
    """The upstream page cache ``settings`` ask for: in memory, or in Redis."""
    backend = open_redis(settings)
    if backend is not None:
        return backend.page_cache()
    return MemoryCache(settings.cache_max_entries, settings.cache_max_bytes)


def tenant_cursor_key(settings: Settings, tenant: str, fallback: bytes) -> bytes:
    """A key derived from the configured cursor secret (or ``fallback``) and the tenant."""
    base = settings.cursor_secret.encode() if settings.cursor_secret else fallback
    return hmac.new(base, f"tenant:{tenant}".encode(), hashlib.sha256).digest()
