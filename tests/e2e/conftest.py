"""End-to-end harness: the real gateway app over ASGI, each provider an emulator app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.config import Settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import PROVIDER_ORDER, ProviderName
from tests.processes import CLIENT_HEADERS


@dataclass
class Gateway:
    client: httpx.AsyncClient
    emulators: dict[ProviderName, Starlette]

    async def query(self, query: str, _status: int = 200, **variables: Any) -> dict[str, Any]:
        """POST an operation; ``_status`` is the HTTP status it must answer with."""
        response = await self.client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == _status, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        body = await self.query(query, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def upstream_requests(self) -> dict[ProviderName, int]:
        return {n: app.state.control.requests.total() for n, app in self.emulators.items()}

    def reset_counts(self) -> None:
        for app in self.emulators.values():
            app.state.control.requests.clear()

    def fault(self, provider: ProviderName, **fault: Any) -> None:
        from gateway.emulators.common import Fault

        self.emulators[provider].state.control.faults.append(Fault(**fault))


GatewayFactory = Callable[..., Any]


@contextlib.asynccontextmanager
async def open_gateway(
    worlds: dict[ProviderName, EmulatorConfig] | None = None, **overrides: Any
) -> AsyncIterator[Gateway]:
    """A gateway in demo mode whose emulators serve ``worlds`` (or the given sizes)."""
    world = {k: overrides.pop(k) for k in ("numbers", "assistants", "seed") if k in overrides}
    configs = worlds or {name: EmulatorConfig(**world) for name in PROVIDER_ORDER}
    emulators = {name: create_emulator(name, configs[name]) for name in PROVIDER_ORDER}
    transports: dict[ProviderName, httpx.AsyncBaseTransport] = {
        name: httpx.ASGITransport(app=app) for name, app in emulators.items()
    }
    app = create_app(Settings(demo=True, **overrides), transports=transports)
    gateway_transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=gateway_transport, base_url="http://gateway", headers=CLIENT_HEADERS
        ) as client,
    ):
        yield Gateway(client, emulators)


@pytest.fixture
async def make_gateway() -> AsyncIterator[GatewayFactory]:
    async with contextlib.AsyncExitStack() as stack:

        async def make(**overrides: Any) -> Gateway:
            return await stack.enter_async_context(open_gateway(**overrides))

        yield make


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    gw: Gateway = await make_gateway()
    return gw
