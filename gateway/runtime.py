"""The long-lived part of a running gateway: settings, one client and adapter per provider."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

import httpx

from .config import ProviderSettings, Settings
from .model import ProviderName
from .providers import adapter_class
from .providers.base import ProviderAdapter
from .resilience import MemoryCache, PageCache
from .upstream import UpstreamClient


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

    def invalidate(self, provider: ProviderName) -> None:
        """Forget what is kept across requests about ``provider``: called after every write
        to it (a link or unlink) has finished, so the next read shows the new state.

        The client already starts a new cache generation when it sends a write; clearing
        the page cache once the write is over also drops pages that reads running during
        the write stored. The cache is shared and keyed by digests, so it is cleared for
        every provider: writes are rare, and the cost is a few cache misses.
        """
        clear = getattr(self.cache, "clear", None)
        if callable(clear):
            clear()

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()


def build_runtime(
    settings: Settings,
    providers: dict[ProviderName, ProviderSettings],
    transports: dict[ProviderName, httpx.AsyncBaseTransport] | None = None,
    *,
    cursor_key: bytes | None = None,
) -> Runtime:
    """Create the adapters for ``providers`` (in the documented provider order).

    ``cursor_key`` signs this runtime's cursors; each tenant gets its own, so a cursor
    issued to one tenant is BAD_CURSOR for every other.
    """
    adapters: dict[ProviderName, ProviderAdapter] = {}
    clients: dict[ProviderName, UpstreamClient] = {}
    cache = MemoryCache(settings.cache_max_entries, settings.cache_max_bytes)
    for name in sorted(providers, key=list(ProviderName).index):
        prov = providers[name]
        cls = adapter_class(name)
        transport = (transports or {}).get(name)
        client = UpstreamClient(
            name,
            prov,
            cls.auth_headers(prov),
            transport=transport,
            policy=settings.resilience_for(name, prov),
            cache=cache,
        )
        clients[name] = client
        adapters[name] = cls(prov, client)
    runtime = Runtime(
        settings=settings, adapters=adapters, clients=clients, cache=cache, providers=providers
    )
    if cursor_key is not None:
        runtime.cursor_secret = cursor_key
    elif settings.cursor_secret:
        runtime.cursor_secret = settings.cursor_secret.encode()
    return runtime


def tenant_cursor_key(settings: Settings, tenant: str, fallback: bytes) -> bytes:
    """A key derived from the configured cursor secret (or ``fallback``) and the tenant."""
    base = settings.cursor_secret.encode() if settings.cursor_secret else fallback
    return hmac.new(base, f"tenant:{tenant}".encode(), hashlib.sha256).digest()
