"""Clients that send POSTs by default, against a gateway with tenants and API keys: Apollo
Client (HttpLink), graphql-request, relay-runtime (the network layer of Relay's docs) and
Python's gql. Each pages twice, refetches a node, links and unlinks a number, and gets a
BAD_CURSOR error, with its default settings and the key in the X-API-Key header."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport

from .conftest import Gateway
from .scenario import (
    STEPS,
    World,
    check_preflight,
    check_step,
    compile_relay,
    operations,
    run_npm_client,
    sent_headers,
)

NPM_CLIENTS = ("apollo", "graphql-request", "relay")


def run_gql(gateway: Gateway, plan: dict[str, str]) -> dict[str, Any]:
    """gql with its HTTPX transport, through the same steps as clients.mjs."""
    ops = operations()
    transport = HTTPXTransport(url=gateway.url, headers=gateway.headers, trust_env=False)
    steps: dict[str, Any] = {}
    with Client(transport=transport) as session:

        def step(name: str, text: str, **variables: Any) -> dict[str, Any]:
            request = GraphQLRequest(text, variable_values=variables)
            try:
                steps[name] = {"data": session.execute(request)}
            except TransportQueryError as exc:
                errors = [
                    {"message": e.get("message"), "code": (e.get("extensions") or {}).get("code")}
                    for e in exc.errors or []
                ]
                steps[name] = {"data": exc.data, "errors": errors}
            except Exception as exc:  # what gql raised without GraphQL errors
                steps[name] = {"thrown": f"{type(exc).__name__}: {exc}"}
            step: dict[str, Any] = steps[name]
            return step

        page1 = step("page1", ops["ClientsPageQuery"], first=3)
        connection = (page1.get("data") or {}).get("phoneNumbers") or {}
        after = (connection.get("pageInfo") or {}).get("endCursor") or plan["after"]
        first_id = (connection.get("nodes") or [{"id": plan["nodeId"]}])[0]["id"]
        step("page2", ops["ClientsPageQuery"], first=3, after=after)
        step("node", ops["ClientsNodeQuery"], id=first_id)
        step("link", ops["ClientsLinkMutation"], number=plan["number"], assistant=plan["assistant"])
        step("unlink", ops["ClientsUnlinkMutation"], number=plan["number"])
        step("badCursor", ops["ClientsBadCursorQuery"])
    return {"client": "gql", "steps": steps, "exchanges": []}


@pytest.fixture(scope="module")
def world(keyed_gateway: Gateway) -> World:
    return World.read(keyed_gateway, len(NPM_CLIENTS) + 1)  # and gql


@pytest.fixture(scope="module")
def runs(
    node: str, keyed_gateway: Gateway, world: World, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """Each npm client's run of the scenario, once per module."""
    artifacts: Path = compile_relay(node, tmp_path_factory.mktemp("relay"))
    return {
        client: run_npm_client(
            node, client, keyed_gateway, plan, artifacts if client == "relay" else None
        )
        for client, plan in zip(NPM_CLIENTS, world.plans, strict=False)
    }


@pytest.fixture(scope="module")
def gql_run(keyed_gateway: Gateway, world: World) -> dict[str, Any]:
    return run_gql(keyed_gateway, world.plans[len(NPM_CLIENTS)])


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("client", NPM_CLIENTS)
def test_npm_client(client: str, step: str, runs: dict[str, dict[str, Any]], world: World) -> None:
    check_step(world, world.plans[NPM_CLIENTS.index(client)], step, runs[client], client)


@pytest.mark.parametrize("step", STEPS)
def test_gql(step: str, gql_run: dict[str, Any], world: World) -> None:
    check_step(world, world.plans[len(NPM_CLIENTS)], step, gql_run, "gql")


def test_preflight_allows_what_the_clients_send(
    runs: dict[str, dict[str, Any]], keyed_gateway: Gateway
) -> None:
    """From a browser the same requests preflight first: the gateway (with ``cors_origins``)
    allows every header these clients set, and lets the browser cache the answer."""
    headers = sent_headers(runs)
    assert {"content-type", "x-api-key"} <= headers, headers
    check_preflight(keyed_gateway, "POST", headers)
