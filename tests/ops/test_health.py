"""/healthz and /readyz over HTTP (ASGI)."""

from __future__ import annotations

import httpx

from gateway.app import create_app
from gateway.config import Settings
from gateway.model import PROVIDER_ORDER, ProviderName
from gateway.observability.health import UNKNOWN, breaker_state

from .conftest import OpsGateway

BREAKER_STATES = {UNKNOWN, "closed", "open", "half_open", "half-open"}


async def test_healthz(ops: OpsGateway) -> None:
    response = await ops.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_config_clients_and_breakers(ops: OpsGateway) -> None:
    response = await ops.client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["config"] == "loaded"
    assert body["demo"] is True
    assert set(body["providers"]) == {p.value for p in PROVIDER_ORDER}
    for state in body["providers"].values():
        assert state["client"] == "ready"
        assert state["breaker"] in BREAKER_STATES


async def test_readyz_is_503_before_startup_and_after_shutdown() -> None:
    app = create_app(Settings(demo=True))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        before = await client.get("/readyz")
        assert before.status_code == 503
        assert before.json()["status"] == "not ready"
        async with app.router.lifespan_context(app):
            assert (await client.get("/readyz")).status_code == 200
        after = await client.get("/readyz")
        assert after.status_code == 503
        assert {p["client"] for p in after.json()["providers"].values()} == {"closed"}
        # Liveness does not depend on readiness.
        assert (await client.get("/healthz")).status_code == 200


class _Breaker:
    def __init__(self, state: str) -> None:
        self.state = state


class _Runtime:
    def __init__(self, **breakers: str) -> None:
        self.clients = {p: object() for p in PROVIDER_ORDER}
        self.breakers = {
            p: _Breaker(breakers[p.value]) for p in PROVIDER_ORDER if p.value in breakers
        }


def test_breaker_state_is_read_when_a_breaker_exists() -> None:
    runtime = _Runtime(teli="OPEN")
    states = {p: breaker_state(runtime, p) for p in PROVIDER_ORDER}
    assert states.pop(ProviderName.TELI) == "open"
    assert set(states.values()) == {UNKNOWN}


def test_breaker_turned_off_reads_disabled() -> None:
    class Client:
        breaker = None

    runtime = _Runtime()
    runtime.clients = {p: Client() for p in PROVIDER_ORDER}
    assert {breaker_state(runtime, p) for p in PROVIDER_ORDER} == {"disabled"}
