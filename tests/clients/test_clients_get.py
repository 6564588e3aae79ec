"""Clients that query over GET by default, against a gateway with tenants and API keys: urql
(``preferGetMethod: "within-url-limit"``) and Apollo Client's persisted-queries link with
``useGETForHashedQueries``. The key is in the X-API-Key header, so no GET here is a
cross-site request forgery and none may be refused as one."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import Gateway
from .scenario import STEPS, World, check_preflight, check_step, run_npm_client, sent_headers

CLIENTS = ("urql", "apollo-apq")


@pytest.fixture(scope="module")
def world(keyed_gateway: Gateway) -> World:
    return World.read(keyed_gateway, len(CLIENTS))


@pytest.fixture(scope="module")
def runs(node: str, keyed_gateway: Gateway, world: World) -> dict[str, dict[str, Any]]:
    """Each client's run of the scenario, once per module."""
    return {
        client: run_npm_client(node, client, keyed_gateway, plan)
        for client, plan in zip(CLIENTS, world.plans, strict=True)
    }


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("client", CLIENTS)
def test_client_step(client: str, step: str, runs: dict[str, dict[str, Any]], world: World) -> None:
    check_step(world, world.plans[CLIENTS.index(client)], step, runs[client], client)


def exchanges(run: dict[str, Any], step: str) -> list[dict[str, Any]]:
    return [e for e in run["exchanges"] if e["step"] == step]


def test_urql_sends_queries_as_get(runs: dict[str, dict[str, Any]]) -> None:
    """The steps above did test GET: urql's queries went out as GETs, its mutations as POSTs."""
    run = runs["urql"]
    methods = {step: [e["request"]["method"] for e in exchanges(run, step)] for step in STEPS}
    assert methods["page1"] == ["GET"], methods
    assert methods["badCursor"] == ["GET"], methods
    assert methods["link"] == ["POST"], methods


def test_apollo_runs_a_hashed_query_with_one_get(runs: dict[str, dict[str, Any]]) -> None:
    """page2 reuses page1's document: its hash is registered, so one GET without the query
    text (only extensions.persistedQuery) answers it."""
    sent = exchanges(runs["apollo-apq"], "page2")
    assert len(sent) == 1, json.dumps(sent, indent=2)
    [exchange] = sent
    request, response = exchange["request"], exchange["response"]
    why = json.dumps(exchange, indent=2)
    assert request["method"] == "GET", why
    params = parse_qs(urlsplit(request["url"]).query)
    assert "query" not in params, why
    assert json.loads(params["extensions"][0])["persistedQuery"]["version"] == 1, why
    assert response["status"] == 200, why
    assert '"errors"' not in response["body"], why


def test_preflight_allows_what_get_clients_send(
    runs: dict[str, dict[str, Any]], keyed_gateway: Gateway
) -> None:
    """A browser preflights these GETs too (they carry X-API-Key): every header the clients
    set is allowed, and so are the ones Apollo's CSRF prevention asks clients to add."""
    headers = sent_headers(runs) | {"apollo-require-preflight", "x-apollo-operation-name"}
    check_preflight(keyed_gateway, "GET", headers)
