"""No data lost or hidden when a part of a provider fails or a real upstream shows only
what its docs do (issue 13, items 1-4 and Butter's paging; issue 12, item 8).

Each test runs the gateway over ASGI against emulators configured to behave another way
the docs allow: an endpoint failing, a get-one endpoint absent (docs-only mode), a
parameter ignored, an upstream that hangs.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from gateway.model import PROVIDER_ORDER, ProviderName
from tests.resilience.helpers import fast, stopwatch

from .conftest import Gateway, GatewayFactory

BUTTER, FLIREO, TELI = ProviderName.BUTTER, ProviderName.FLIREO, ProviderName.TELI
SYNTHFLOW = ProviderName.SYNTHFLOW
VOICE = "/v1/voice/phone-numbers"

TELI_NUMBERS = """
{ phoneNumbers(first: 100, filter: {providers: [TELI]}) {
    totalCount nodes { number capabilities { sms voice } } } }
"""
LINKED = """
query($first: Int!, $after: String, $providers: [Provider!]) {
  phoneNumbers(first: $first, after: $after,
               filter: {providers: $providers, status: ASSIGNED}) {
    nodes { number capabilities { sms } assistant { id name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Assistant { name } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
ASSISTANTS = "{ assistants(first: 100) { nodes { id provider name } } }"
NUMBERS = """
query($first: Int!, $after: String) {
  phoneNumbers(first: $first, after: $after, filter: {providers: [BUTTER]}) {
    totalCount nodes { number } pageInfo { hasNextPage endCursor }
  }
}
"""


def quick(numbers: int, **resilience: Any) -> dict[str, Any]:
    """Gateway settings for a world of ``numbers`` a provider, failing fast, uncached."""
    return {**fast(**resilience), "numbers": numbers}


def provider_errors(body: dict[str, Any]) -> list[tuple[str, str | None, list[Any]]]:
    return [
        (e["extensions"]["code"], e["extensions"].get("provider"), e["path"])
        for e in body.get("errors", [])
    ]


async def walk(gw: Gateway, query: str, first: int, **variables: Any) -> list[dict[str, Any]]:
    """Every node of a connection, ``first`` at a time; no page may carry an error."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        conn = next(iter((await gw.data(query, first=first, after=after, **variables)).values()))
        nodes += conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes
        after = conn["pageInfo"]["endCursor"]


# -- 1. Teli: each number endpoint stands on its own ---------------------------------------


async def test_teli_voice_endpoint_failing_keeps_the_sms_numbers(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(**quick(14))
    gw.fault(TELI, status=404, path_prefix=VOICE)
    body = await gw.query(TELI_NUMBERS)
    conn = body["data"]["phoneNumbers"]
    assert conn["totalCount"] == 7
    assert len(conn["nodes"]) == 7
    assert all(n["capabilities"]["sms"] for n in conn["nodes"])
    [error] = body["errors"]
    assert error["extensions"]["provider"] == "teli"
    assert f"GET {VOICE}" in error["message"]
    assert (error["extensions"]["code"], error["path"]) == ("UPSTREAM_HTTP_ERROR", ["phoneNumbers"])


async def test_teli_without_user_id_lists_sms_numbers_only(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(numbers=14, providers={TELI: {"user_id": None}})
    conn = (await gw.data(TELI_NUMBERS))["phoneNumbers"]
    assert conn["totalCount"] == 7
    assert all(n["capabilities"] == {"sms": True, "voice": None} for n in conn["nodes"])
    assert gw.emulators[TELI].state.control.requests[VOICE] == 0


# -- 2, 3. A lookup answers as the list does, whatever the batch size -----------------------


@pytest.mark.parametrize("provider", [p.name for p in PROVIDER_ORDER])
async def test_assigned_numbers_name_their_assistant_at_any_page_size(
    make_gateway: GatewayFactory, provider: str
) -> None:
    gw = await make_gateway(numbers=12, assistants=4)
    one_by_one = await walk(gw, LINKED, 1, providers=[provider])
    # Teli assigns SMS numbers to users, not assistants: only its voice numbers link.
    linked = [n for n in one_by_one if not (provider == "TELI" and n["capabilities"]["sms"])]
    assert linked, "the world has assigned numbers"
    assert all(n["assistant"] is not None for n in linked)
    assert one_by_one == await walk(gw, LINKED, 50, providers=[provider])


async def test_assistant_nobody_can_answer_is_an_error_not_null(
    gateway_factory: GatewayFactory,
) -> None:
    """Docs-only Butter has no get-one agent endpoint: with the list failing too, the
    number's assistant is an error naming butter (the list's 500), not null alone."""
    gw = await gateway_factory(docs_only=True, **quick(8))
    gw.fault(BUTTER, status=500, path_prefix="/api/agents")
    body = await gw.query(LINKED, first=1, providers=["BUTTER"])
    assert body["data"]["phoneNumbers"]["nodes"][0]["assistant"] is None
    [(code, provider, path)] = provider_errors(body)
    assert (provider, path) == ("butter", ["phoneNumbers", "nodes", 0, "assistant"])
    assert code == "UPSTREAM_HTTP_ERROR"
    assert body["errors"][0]["extensions"]["upstreamStatus"] == 500


async def test_a_failed_assistant_list_costs_each_of_its_numbers_an_error(
    make_gateway: GatewayFactory,
) -> None:
    """The look-ahead reads Butter's agents beside the page; when that read fails, every
    Butter number's assistant is null with its own error, and the others' resolve."""
    gw = await make_gateway(**quick(8))
    gw.fault(BUTTER, status=500, path_prefix="/api/agents")
    body = await gw.query(
        "{ phoneNumbers(first: 50, filter: {status: ASSIGNED, providers: [BURKI, BUTTER, FLIREO]}) "
        "{ nodes { provider assistant { name } } } }"
    )
    nodes = body["data"]["phoneNumbers"]["nodes"]
    butter = [i for i, n in enumerate(nodes) if n["provider"] == "BUTTER"]
    assert butter
    assert len(butter) < len(nodes)
    assert all(nodes[i]["assistant"] is None for i in butter)
    assert all(n["assistant"] is not None for n in nodes if n["provider"] != "BUTTER")
    assert sorted(provider_errors(body), key=lambda e: e[2][2]) == [
        ("UPSTREAM_HTTP_ERROR", "butter", ["phoneNumbers", "nodes", i, "assistant"]) for i in butter
    ]


async def test_node_finds_every_assistant_that_nodes_finds(gateway: Gateway) -> None:
    assistants = (await gateway.data(ASSISTANTS))["assistants"]["nodes"]
    ids = [a["id"] for a in assistants]
    assert [n["id"] for n in (await gateway.data(NODES, ids=ids))["nodes"]] == ids
    for a in assistants:
        assert (await gateway.data(NODE, id=a["id"]))["node"] == {"id": a["id"], "name": a["name"]}


# -- 4. nodes(ids:): a failure is null at its own index ------------------------------------


async def test_nodes_keeps_other_providers_when_one_fails(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(**quick(4))
    ids = [a["id"] for a in (await gw.data(ASSISTANTS))["assistants"]["nodes"]]
    ids.insert(3, "not-an-id")
    teli = {
        i for i, gid in enumerate(ids) if base64.b64decode(gid + "==").startswith(b"Assistant:teli")
    }
    gw.fault(TELI, status=500)
    body = await gw.query(NODES, ids=ids)
    nodes = body["data"]["nodes"]
    assert [i for i, n in enumerate(nodes) if n is None] == sorted({3} | teli)
    assert all(nodes[i]["id"] == gid for i, gid in enumerate(ids) if i not in teli | {3})
    expected: list[tuple[str, str | None, list[Any]]] = [("BAD_USER_INPUT", None, ["nodes", 3])]
    expected += [("UPSTREAM_HTTP_ERROR", "teli", ["nodes", i]) for i in sorted(teli)]
    assert sorted(provider_errors(body), key=lambda e: e[2][1]) == expected


async def test_nodes_does_not_wait_past_a_hanging_providers_deadline(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(**quick(4, attempt_timeout_seconds=0.5, max_attempts=1))
    ids = [a["id"] for a in (await gw.data(ASSISTANTS))["assistants"]["nodes"]]
    # Synthflow hangs for 30 s; its 0.5 s attempt timeout (one attempt) must end the wait
    # long before. The bound sits far from both, so a loaded machine cannot flake it.
    gw.fault(SYNTHFLOW, latency_ms=30_000)
    with stopwatch() as watch:
        body = await gw.query(NODES, ids=ids)
    assert watch.elapsed < 12
    nodes = body["data"]["nodes"]
    assert sum(n is None for n in nodes) == 5
    assert sum(n is not None for n in nodes) == len(ids) - 5
    assert {(c, p) for c, p, _ in provider_errors(body)} == {("UPSTREAM_TIMEOUT", "synthflow")}


# -- Butter: paging parameters the docs do not name -----------------------------------------


@pytest.mark.parametrize("upstream_page_size", [7, 100])
async def test_butter_pages_exactly_when_it_ignores_the_page_size(
    gateway_factory: GatewayFactory, upstream_page_size: int
) -> None:
    """Docs-only Butter serves 20 a page whatever is asked: more or fewer than asked."""
    gw = await gateway_factory(numbers=47, docs_only=True, upstream_page_size=upstream_page_size)
    listed = [n["number"] for n in await walk(gw, NUMBERS, 9)]
    world = gw.emulators[BUTTER].state.data.numbers
    assert listed == [r["phone_number"] for r in world]


async def test_butter_paging_parameter_names_are_settings(make_gateway: GatewayFactory) -> None:
    names = {"page_size_param": "limit", "cursor_param": "starting_after"}
    gw = await make_gateway(numbers=47, emulators={BUTTER: names}, providers={BUTTER: names})
    world = gw.emulators[BUTTER].state.data.numbers
    assert [n["number"] for n in await walk(gw, NUMBERS, 30)] == [r["phone_number"] for r in world]


async def test_butter_ignoring_the_cursor_is_an_error_not_a_loop(
    make_gateway: GatewayFactory,
) -> None:
    names = {"page_size_param": "limit", "cursor_param": "starting_after"}
    gw = await make_gateway(emulators={BUTTER: names}, **quick(47))
    body = await gw.query(NUMBERS, first=50)
    numbers = [n["number"] for n in body["data"]["phoneNumbers"]["nodes"]]
    assert len(numbers) == len(set(numbers))  # the repeated page is not served twice
    [(code, provider, _)] = provider_errors(body)
    assert (code, provider) == ("UPSTREAM_BAD_RESPONSE", "butter")
    assert "cursor_param" in body["errors"][0]["message"]
