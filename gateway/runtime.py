"""The long-lived part of a running gateway: settings, one client and adapter per provider."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import httpx

from .config import ProviderSettings, Settings
from .model import ProviderName
from .providers import adapter_class
from .providers.base import ProviderAdapter
from .upstream import UpstreamClient


@dataclass
class Runtime:
    settings: Settings
    adapters: dict[ProviderName, ProviderAdapter]
    clients: dict[ProviderName, UpstreamClient]
    # Signs cursors; random per process unless configured, so set it when running replicas.
    cursor_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()


def build_runtime(
    settings: Settings,
    providers: dict[ProviderName, ProviderSettings],
    transports: dict[ProviderName, httpx.AsyncBaseTransport] | None = None,
) -> Runtime:
    """Create the adapters for ``providers`` (in the documented provider order)."""
    adapters: dict[ProviderName, ProviderAdapter] = {}
    clients: dict[ProviderName, UpstreamClient] = {}
    for name in sorted(providers, key=list(ProviderName).index):
        prov = providers[name]
        cls = adapter_class(name)
        transport = (transports or {}).get(name)
        client = UpstreamClient(name, prov, cls.auth_headers(prov), transport=transport)
        clients[name] = client
        adapters[name] = cls(prov, client)
    secret = settings.cursor_secret.encode() if settings.cursor_secret else None
    runtime = Runtime(settings=settings, adapters=adapters, clients=clients)
    if secret:
        runtime.cursor_secret = secret
    return runtime
