"""The real server (``switchboard serve --demo`` under uvicorn): health, metrics, JSON logs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway.app import DEMO_QUERY

from .conftest import DEMO_KEY
from .promtext import value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> str:
        """Stop the server (gracefully) and return everything it logged."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        return self.log_path.read_text()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("serve") / "server.log"
    cli = Path(sys.executable).with_name("switchboard")
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "SWITCHBOARD_LOG_LEVEL": "DEBUG",
        # No shared page cache, so each request below reaches the emulators.
        "SWITCHBOARD_CACHE_MAX_ENTRIES": "0",
    }
    env.pop("SWITCHBOARD_LOG_FORMAT", None)
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [str(cli), "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    srv = Server(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{srv.url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("switchboard serve --demo did not become ready:\n" + srv.stop())
        yield srv
    finally:
        srv.stop()


def test_health_and_readiness(server: Server) -> None:
    assert httpx.get(f"{server.url}/healthz", timeout=5).json() == {"status": "ok"}
    ready = httpx.get(f"{server.url}/readyz", timeout=5)
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert len(body["providers"]) == 5


def test_metrics_count_a_graphql_request(server: Server) -> None:
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


def test_logs_are_json_with_request_id_and_no_key(server: Server) -> None:
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
