"""The real server (``switchboard serve --demo`` under uvicorn): health, metrics, JSON logs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from gateway.app import DEMO_QUERY
from gateway.model import PROVIDER_ORDER
from tests.processes import Served, served

from .conftest import DEMO_KEY
from .promtext import value


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    env = {
        "SWITCHBOARD_LOG_LEVEL": "DEBUG",
        # No shared page cache, so each request below reaches the emulators.
        "SWITCHBOARD_CACHE_MAX_ENTRIES": "0",
        "SWITCHBOARD_LOG_FORMAT": None,
    }
    log_path = tmp_path_factory.mktemp("serve") / "server.log"
    with served("serve", "--demo", env=env, ready="/readyz", log_path=log_path) as srv:
        yield srv


def test_health_and_readiness(server: Served) -> None:
    assert httpx.get(f"{server.url}/healthz", timeout=5).json() == {"status": "ok"}
    ready = httpx.get(f"{server.url}/readyz", timeout=5)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert len(body["providers"]) == len(PROVIDER_ORDER)


def test_metrics_count_a_graphql_request(server: Served) -> None:
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": DEMO_QUERY},
        headers={"X-Request-Id": "serve-metrics-1"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "serve-metrics-1"
    text = httpx.get(f"{server.url}/metrics", timeout=5).text
    assert value(text, "switchboard_graphql_requests_total", operation="Demo") >= 1
    assert value(text, "switchboard_upstream_requests_total", provider="teli", status="200") >= 1
    assert value(text, "process_resident_memory_bytes") > 0


def test_logs_are_json_with_request_id_and_no_key(server: Served) -> None:
    """Runs last in this module: it stops the server to read the complete log."""
    rid = "serve-logs-42"
    response = httpx.post(
        f"{server.url}/graphql", json={"query": DEMO_QUERY}, headers={"X-Request-Id": rid}
    )
    assert response.headers["x-request-id"] == rid
    log = server.stop()
    assert DEMO_KEY not in log
    records = []
    for line in log.splitlines():
        if line.startswith("switchboard: serving"):
            continue  # the CLI's one human line before logging starts
        records.append(json.loads(line))
    mine = [r for r in records if r.get("request_id") == rid]
    assert any(r["logger"] == "switchboard.access" and r["status"] == 200 for r in mine)
    assert any(r["logger"] == "switchboard.upstream" for r in mine)
    assert any(r["logger"].startswith("uvicorn") for r in records)  # uvicorn's lines too
