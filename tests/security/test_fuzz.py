"""Generated valid and invalid operations against a real `switchboard serve --demo`
process: no 500, no traceback, no secret in any response or log line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_graphql import Mode, mutations, queries

from gateway.demo import DEMO_EMULATOR
from gateway.schema import print_sdl
from tests.processes import served

SDL = print_sdl()
SECRETS = [DEMO_EMULATOR.api_key]
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[httpx.Client, Path]]:
    with (
        served("serve", "--demo", env={"SWITCHBOARD_LOG_LEVEL": "DEBUG"}) as srv,
        httpx.Client(base_url=srv.url, timeout=20) as client,
    ):
        yield client, srv.log_path
    text = srv.log()
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
