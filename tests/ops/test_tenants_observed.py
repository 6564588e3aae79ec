"""Every tenant is observed: metrics carry a ``tenant`` label for every tenant's runtime,
and ``/readyz`` is judged over all of them (gateway/observability/health.py), naming no
tenant unless ``readyz_tenant_names`` is set.

A real deployment: ``switchboard emulate`` processes and ``switchboard serve --config``
with two tenants; the upstreams fail through the emulators' fault endpoints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.emulators.common import CONTROL_PREFIX
from tests.processes import Served, served
from tests.stack import Stack, Tenant, emulator_stack, write_config

from .promtext import samples, value

KEYS = {"acme": "gw-key-acme-observed-01", "globex": "gw-key-globex-observed-02"}
# acme has two providers, globex one of the same two (its own runtime, its own breaker).
TENANTS = {
    "acme": Tenant({KEYS["acme"]: False}, ["burki", "flireo"]),
    "globex": Tenant({KEYS["globex"]: False}, ["flireo"]),
}
# One failed attempt opens a breaker, which stays open for the whole test.
RESILIENCE = """\
[resilience]
max_attempts = 1
breaker_min_calls = 1
breaker_consecutive_failures = 1
breaker_cooldown_seconds = 3600
cache_ttl_seconds = 0
"""
PAGE = "query Page { phoneNumbers(first: 30) { totalCount nodes { id } } }"


@contextlib.contextmanager
def tenant_gateway(stack: Stack, name: str, top: str = "") -> Iterator[Served]:
    path = write_config(stack.config_dir / f"{name}.toml", stack, TENANTS)
    path.write_text(top + RESILIENCE + "\n" + path.read_text())
    env = {f"STACK_{p.upper()}_KEY": key for p, key in stack.upstream_keys.items()}
    with served(
        "serve", "--config", str(path), env=env, log_path=stack.config_dir / f"{name}.log"
    ) as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with emulator_stack(tmp_path_factory.mktemp("observed"), ["burki", "flireo"]) as s:
        yield s


def ask(server: Served, tenant: str) -> dict[str, Any]:
    response = httpx.post(
        f"{server.url}/graphql", json={"query": PAGE}, headers={"X-API-Key": KEYS[tenant]}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def fail(stack: Stack, provider: str) -> None:
    url = f"{stack.emulators[provider].url}{CONTROL_PREFIX}/faults"
    httpx.post(url, json={"status": 503}).raise_for_status()


@pytest.fixture(autouse=True)
def recovered(stack: Stack) -> Iterator[None]:
    yield
    for server in stack.emulators.values():
        httpx.delete(f"{server.url}{CONTROL_PREFIX}/faults").raise_for_status()


def readyz(server: Served) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{server.url}/readyz")
    body: dict[str, Any] = response.json()
    return response.status_code, body


def test_metrics_carry_every_tenant(stack: Stack) -> None:
    with tenant_gateway(stack, "metrics") as gw:
        for tenant in KEYS:
            assert "errors" not in ask(gw, tenant)
        text = httpx.get(f"{gw.url}/metrics").text
    for tenant, providers in (("acme", ["burki", "flireo"]), ("globex", ["flireo"])):
        for provider in providers:
            labels = {"tenant": tenant, "provider": provider}
            assert value(text, "switchboard_upstream_requests_total", **labels) >= 1
            assert value(text, "switchboard_upstream_calls_total", **labels) >= 1
            assert value(text, "switchboard_upstream_request_duration_seconds_count", **labels)
            assert value(text, "switchboard_upstream_breaker_state", state="closed", **labels)
    breakers = {
        (ls["tenant"], ls["provider"])
        for n, ls, _ in samples(text)
        if n == "switchboard_upstream_breaker_state"
    }
    assert breakers == {("acme", "burki"), ("acme", "flireo"), ("globex", "flireo")}
    # Each tenant's runtime has its own page cache: one series each.
    caches = {ls["tenant"] for n, ls, _ in samples(text) if n == "switchboard_page_cache_entries"}
    assert caches == {"acme", "globex"}


def test_readiness_is_judged_over_every_tenant(stack: Stack) -> None:
    with tenant_gateway(stack, "ready") as gw:
        status, body = readyz(gw)
        assert status == 200
        assert body["tenants"] == {"count": 2, "unavailable": 0}

        # Flireo down: globex has nothing left, acme still has Burki. Still ready.
        fail(stack, "flireo")
        assert ask(gw, "globex")["errors"]
        assert ask(gw, "acme")["errors"]
        status, body = readyz(gw)
        assert status == 200
        assert body["status"] == "ready"
        assert body["tenants"] == {"count": 2, "unavailable": 1}
        assert body["providers"]["flireo"]["breaker"] == "open"
        assert body["providers"]["flireo"]["breakers"] == {"open": 2}
        assert body["providers"]["burki"] == {
            "client": "ready",
            "breaker": "closed",
            "breakers": {"closed": 1},
        }
        # The unauthenticated endpoint names no tenant.
        assert "acme" not in str(body)
        assert "globex" not in str(body)

        # Burki down too: every breaker of every tenant open, the replica can serve nothing.
        fail(stack, "burki")
        assert ask(gw, "acme")["errors"]
        status, body = readyz(gw)
        assert status == 503
        assert body["status"] == "not ready"
        assert body["reason"] == "every provider's circuit breaker is open"
        assert body["tenants"] == {"count": 2, "unavailable": 2}
        text = httpx.get(f"{gw.url}/metrics").text
        for tenant, provider in (("acme", "burki"), ("acme", "flireo"), ("globex", "flireo")):
            labels = {"tenant": tenant, "provider": provider}
            assert value(text, "switchboard_upstream_breaker_state", state="open", **labels) == 1
        assert "acme" not in str(body)
        assert "globex" not in str(body)


def test_readyz_names_tenants_when_configured(stack: Stack) -> None:
    with tenant_gateway(stack, "named", top="readyz_tenant_names = true\n") as gw:
        fail(stack, "flireo")
        ask(gw, "globex")
        status, body = readyz(gw)
    assert status == 200
    assert body["by_tenant"]["globex"] == {
        "available": False,
        "providers": {"flireo": {"client": "ready", "breaker": "open"}},
    }
    assert body["by_tenant"]["acme"]["available"] is True
    assert body["by_tenant"]["acme"]["providers"]["burki"]["breaker"] == "closed"
