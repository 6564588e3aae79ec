"""End-to-end harness: the real gateway app over ASGI, each provider an emulator app.

The ``gateway`` and ``make_gateway`` fixtures run every test twice: against the emulators
as they are, and in their docs-only mode (``EmulatorConfig.docs_only``), where they serve
only what the providers' public docs show.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from gateway.app import create_app
from gateway.config import Settings
from gateway.demo import demo_provider_settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import PROVIDER_ORDER, ProviderName
from tests.processes import CLIENT_HEADERS

UPSTREAM_KEY_ENV = "SWITCHBOARD_E2E_UPSTREAM_KEY"


class Restartable:
    """An emulator behind a transport that a test can restart with another world: the
    provider's list changed while the gateway kept running."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


@dataclass
class Gateway:
    client: httpx.AsyncClient
    emulators: dict[ProviderName, Starlette]
    # The gateway app the client talks to (its state: runtimes, upstream clients).
    app: Starlette
    upstreams: dict[ProviderName, Restartable] = field(default_factory=dict)

    def restart(self, provider: ProviderName, config: EmulatorConfig) -> None:
        """``provider``'s emulator, started again serving ``config``'s world."""
        app = create_emulator(provider, config)
        self.upstreams[provider].app = self.emulators[provider] = app

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

    def upstream_rounds(self, latency_ms: float) -> list[list[float]]:
        """Upstream arrivals (the emulators' own clock) grouped into rounds: with
        ``latency_ms`` injected everywhere, a request that arrived more than half of it
        after the first of its round could only have waited for an answer."""
        arrivals = sorted(t for app in self.emulators.values() for t in app.state.control.arrivals)
        grouped: list[list[float]] = []
        for t in arrivals:
            if grouped and t - grouped[-1][0] < latency_ms / 2000:
                grouped[-1].append(t)
            else:
                grouped.append([t])
        return grouped

    def fault(self, provider: ProviderName, **fault: Any) -> None:
        from gateway.emulators.common import Fault

        self.emulators[provider].state.control.faults.append(Fault(**fault))


GatewayFactory = Callable[..., Any]


@contextlib.contextmanager
def _upstream_key(key: str) -> Iterator[None]:
    """The emulators' key in the variable the providers' ``api_key_env`` names."""
    saved = os.environ.get(UPSTREAM_KEY_ENV)
    os.environ[UPSTREAM_KEY_ENV] = key
    try:
        yield
    finally:
        if saved is None:
            del os.environ[UPSTREAM_KEY_ENV]
        else:
            os.environ[UPSTREAM_KEY_ENV] = saved


def _settings(
    configs: dict[ProviderName, EmulatorConfig],
    providers: dict[ProviderName, dict[str, Any]] | None,
    overrides: dict[str, Any],
) -> Settings:
    """Demo mode; with ``providers`` (setting overrides per provider), the configured path
    instead: every provider set up as for its emulator, then overridden."""
    # Tests count upstream calls and inject faults between identical queries: the
    # whole-response cache (on in demo mode) is off unless a test turns it on.
    overrides.setdefault("response_cache", False)
    if providers is None:
        return Settings(demo=True, **overrides)
    configured = {
        name.value: {
            **demo_provider_settings(name, configs[name]).model_dump(exclude={"api_key"}),
            "api_key_env": UPSTREAM_KEY_ENV,
            **providers.get(name, {}),
        }
        for name in PROVIDER_ORDER
    }
    security = {"allow_unauthenticated": True, **overrides.pop("security", {})}
    with _upstream_key(configs[PROVIDER_ORDER[0]].api_key):
        return Settings(**{"providers": configured, "security": security, **overrides})


@contextlib.asynccontextmanager
async def open_gateway(
    worlds: dict[ProviderName, EmulatorConfig] | None = None,
    *,
    docs_only: bool = False,
    providers: dict[ProviderName, dict[str, Any]] | None = None,
    emulators: dict[ProviderName, dict[str, Any]] | None = None,
    **overrides: Any,
) -> AsyncIterator[Gateway]:
    """A gateway whose emulators serve ``worlds`` (or the given sizes), in demo mode.

    ``docs_only``: the emulators serve only what the docs show. ``emulators``: further
    EmulatorConfig fields per provider. ``providers``: provider settings to override,
    which runs the gateway with configured providers rather than in demo mode.
    """
    world = {k: overrides.pop(k) for k in ("numbers", "assistants", "seed") if k in overrides}
    configs = worlds or {name: EmulatorConfig(**world) for name in PROVIDER_ORDER}
    configs = {
        name: dataclasses.replace(
            config, docs_only=docs_only or config.docs_only, **(emulators or {}).get(name, {})
        )
        for name, config in configs.items()
    }
    apps = {name: create_emulator(name, configs[name]) for name in PROVIDER_ORDER}
    upstreams = {name: Restartable(app) for name, app in apps.items()}
    transports: dict[ProviderName, httpx.AsyncBaseTransport] = {
        name: httpx.ASGITransport(app=upstream) for name, upstream in upstreams.items()
    }
    app = create_app(_settings(configs, providers, overrides), transports=transports)
    gateway_transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=gateway_transport, base_url="http://gateway", headers=CLIENT_HEADERS
        ) as client,
    ):
        yield Gateway(client, apps, app, upstreams)


@pytest.fixture(params=[False, True], ids=["emulated", "docs-only"])
def docs_only(request: pytest.FixtureRequest) -> bool:
    """Whether this run's emulators serve only what the providers' docs show."""
    value: bool = request.param
    return value


@pytest.fixture
async def gateway_factory() -> AsyncIterator[GatewayFactory]:
    """Opens gateways (closed after the test) in the mode each call asks for: for tests
    that need one mode only."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(**overrides: Any) -> Gateway:
            return await stack.enter_async_context(open_gateway(**overrides))

        yield make


@pytest.fixture
def make_gateway(docs_only: bool, gateway_factory: GatewayFactory) -> GatewayFactory:
    """Opens gateways in this run's mode (emulated, then docs-only)."""

    async def make(**overrides: Any) -> Gateway:
        gw: Gateway = await gateway_factory(**{"docs_only": docs_only, **overrides})
        return gw

    return make


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    gw: Gateway = await make_gateway()
    return gw
