"""``providers { name health { state lastError { code at } } }`` over real HTTP: a
``switchboard serve`` with two tenants in front of ``switchboard emulate`` processes, one
of which is made to fail through its fault endpoint.

What is checked: a failure a tenant's request met shows as that provider's last error
(code, status, message, a recent time) with the breaker that opened on it; the provider
that answered stays CLOSED with no error; and the other tenant, whose runtime never
called the failing upstream, sees none of it although it uses the same emulator.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.emulators.common import CONTROL_PREFIX
from tests.processes import Served
from tests.stack import Stack, Tenant, emulator_stack, gateway

ACME_KEY = "gw-key-health-acme-01"
GLOBEX_KEY = "gw-key-health-globex-1"
TENANTS = {
    "acme": Tenant({ACME_KEY: False}, ["burki", "flireo"]),
    "globex": Tenant({GLOBEX_KEY: False}, ["flireo"]),
}
HEALTH = """
{ providers { name health { state lastError { code message upstreamStatus at } } } }
"""
NUMBERS = "{ phoneNumbers(first: 50) { nodes { provider } } }"


def post(server: Served, key: str, query: str) -> dict[str, Any]:
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query},
        headers={"X-API-Key": key},
        timeout=30,
        trust_env=False,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def health(server: Served, key: str) -> dict[str, dict[str, Any]]:
    body = post(server, key, HEALTH)
    assert "errors" not in body, body
    return {p["name"]: p["health"] for p in body["data"]["providers"]}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Served]]:
    tmp: Path = tmp_path_factory.mktemp("health")
    with emulator_stack(tmp, ["burki", "flireo"]) as stack, gateway(stack, TENANTS) as server:
        yield stack, server


def test_a_fresh_gateway_reports_every_provider_healthy(
    deployment: tuple[Stack, Served],
) -> None:
    _, server = deployment
    healthy = {"state": "CLOSED", "lastError": None}
    assert health(server, ACME_KEY) == {"BURKI": healthy, "FLIREO": healthy}
    assert health(server, GLOBEX_KEY) == {"FLIREO": healthy}


def test_a_failing_provider_shows_its_breaker_and_last_error_to_its_tenant_only(
    deployment: tuple[Stack, Served],
) -> None:
    stack, server = deployment
    flireo = stack.emulators["flireo"].url
    faults = httpx.post(f"{flireo}{CONTROL_PREFIX}/faults", json={"status": 503}, trust_env=False)
    assert faults.status_code == 200
    try:
        before = datetime.now(UTC)
        body = post(server, ACME_KEY, NUMBERS)  # three attempts, all 503: the breaker opens
        assert {n["provider"] for n in body["data"]["phoneNumbers"]["nodes"]} == {"BURKI"}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UPSTREAM_HTTP_ERROR"]

        acme = health(server, ACME_KEY)
        assert acme["BURKI"] == {"state": "CLOSED", "lastError": None}
        assert acme["FLIREO"]["state"] == "OPEN"
        last = acme["FLIREO"]["lastError"]
        assert last["code"] == "UPSTREAM_HTTP_ERROR"
        assert last["upstreamStatus"] == 503
        assert last["message"] == "flireo: upstream returned HTTP 503"
        at = datetime.fromisoformat(last["at"])
        assert before - timedelta(seconds=1) <= at <= datetime.now(UTC)

        # Once the failure memory (failure_memory_seconds, 2 s) has let go, the open
        # breaker fails the next read fast: not a new error, so the last error is still
        # the 503 that opened it.
        time.sleep(2.2)
        again = post(server, ACME_KEY, NUMBERS)
        assert [e["extensions"]["code"] for e in again["errors"]] == ["UPSTREAM_UNAVAILABLE"]
        assert health(server, ACME_KEY)["FLIREO"]["lastError"] == last

        # Same emulator, other tenant: its runtime has its own breaker and never failed.
        assert health(server, GLOBEX_KEY) == {"FLIREO": {"state": "CLOSED", "lastError": None}}
    finally:
        httpx.delete(f"{flireo}{CONTROL_PREFIX}/faults", trust_env=False)
