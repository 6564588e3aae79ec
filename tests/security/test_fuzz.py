"""Generated valid and invalid operations against a real `switchboard serve --demo`
process: no 500, no traceback, no secret in any response or log line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_graphql import Mode, mutations, queries

from gateway.demo import DEMO_EMULATOR
from gateway.schema import print_sdl

SDL = print_sdl()
SECRETS = [DEMO_EMULATOR.api_key]
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[httpx.Client, Path]]:
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "server.log"
    cli = Path(sys.executable).with_name("switchboard")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(cli), "serve", "--demo", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SWITCHBOARD_LOG_LEVEL": "DEBUG"},
        )
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20)
        try:
            for _ in range(200):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield client, log
        finally:
            client.close()
            proc.terminate()
            proc.wait(timeout=10)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]
    for secret in SECRETS:
        assert secret not in text


def send(client: httpx.Client, query: object) -> None:
    r = client.post("/graphql", json={"query": query})
    assert r.status_code in (200, 400, 403, 413), (r.status_code, query, r.text[:500])
    assert "Traceback" not in r.text
    for secret in SECRETS:
        assert secret not in r.text
    body = r.json()
    for error in body.get("errors") or ():
        assert error["extensions"]["code"], error
        assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", (query, error)


@FUZZ
@given(query=queries(SDL))
def test_valid_queries(server: tuple[httpx.Client, Path], query: str) -> None:
    send(server[0], query)


@FUZZ
@given(query=queries(SDL, mode=Mode.NEGATIVE))
def test_invalid_queries(server: tuple[httpx.Client, Path], query: str) -> None:
    send(server[0], query)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=mutations(SDL))
def test_valid_mutations(server: tuple[httpx.Client, Path], query: str) -> None:
    send(server[0], query)
