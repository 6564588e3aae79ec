"""Contract harness: a real adapter talking HTTP to its provider's emulator app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.demo import demo_provider_settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.emulators.common import World
from gateway.model import ProviderName
from gateway.providers import adapter_class
from gateway.providers.base import ProviderAdapter
from gateway.upstream import UpstreamClient


@dataclass
class Harness:
    app: Starlette
    adapter: ProviderAdapter
    client: UpstreamClient
    world: World
    http: httpx.AsyncClient  # raw client on the emulator, for asserting wire details

    async def inject(self, **fault: Any) -> None:
        await self.http.post("/__emulator__/faults", json=fault)


HarnessFactory = Callable[..., Harness]


@pytest.fixture
async def make_harness() -> AsyncIterator[HarnessFactory]:
    opened: list[Any] = []

    def make(name: ProviderName, *, api_key: str | None = None, **world: Any) -> Harness:
        config = EmulatorConfig(**world)
        app = create_emulator(name, config)
        settings = demo_provider_settings(name, config)
        if api_key is not None:
            settings = settings.model_copy(update={"api_key": api_key})
        cls = adapter_class(name)
        transport = httpx.ASGITransport(app=app)
        client = UpstreamClient(name, settings, cls.auth_headers(settings), transport=transport)
        raw = httpx.AsyncClient(transport=transport, base_url=settings.base_url or "")
        opened.extend([client, raw])
        return Harness(app, cls(settings, client), client, app.state.world, raw)

    yield make
    for item in opened:
        await item.aclose()
