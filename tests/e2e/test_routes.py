"""PhoneNumber.routes over HTTP: every provider's links as routes, batched like `assistant`.

Provider-neutral: each provider's routes must agree with its own `assistant` field, its
registry entry (what its single link is for) and `Assistant.phoneNumbers`; Teli's voice
numbers, which name an inbound and an outbound agent, are checked against its records.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from gateway.model import ProviderName
from gateway.providers import get_spec

from .conftest import Gateway, GatewayFactory

ROUTES = """
{ phoneNumbers(first: 100) { nodes {
    provider number status assistant { id }
    routes { direction channel weight assistant { id name } } } } }
"""

ASSISTANT_NUMBERS = """
{ assistants(first: 100) { nodes { id phoneNumbers(first: 100) { nodes { number } } } } }
"""


async def _numbers(gw: Gateway) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = (await gw.data(ROUTES))["phoneNumbers"]["nodes"]
    return nodes


async def test_routes_agree_with_assistant(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(numbers=12, assistants=4)
    numbers = await _numbers(gw)
    assert {n["provider"] for n in numbers} == {p.name for p in ProviderName}
    routed = 0
    for n in numbers:
        routes = n["routes"]
        targets = [r["assistant"]["id"] for r in routes]
        if n["status"] == "AVAILABLE":
            assert routes == [], n
            assert n["assistant"] is None, n
        if n["assistant"] is not None:
            routed += 1
            assert n["assistant"]["id"] in targets, n
        else:
            assert routes == [], n  # a route always leads to an assistant, and then so does this
        shares: dict[tuple[str, str], float] = defaultdict(float)
        for r in routes:
            assert r["weight"] is None or 0 < r["weight"] <= 1, n
            shares[(r["direction"], r["channel"])] += r["weight"] or 0
        assert all(s == 0 or abs(s - 1) < 1e-9 for s in shares.values()), n
    assert routed > len(numbers) // 3


# Providers with one link a number: the kind their docs give it (Vapi: "assistant for
# inbound calls"), UNSPECIFIED where the docs do not say. Teli lists its two agents.
SINGLE_LINK = {
    ProviderName.BURKI: "UNSPECIFIED",
    ProviderName.BUTTER: "UNSPECIFIED",
    ProviderName.FLIREO: "UNSPECIFIED",
    ProviderName.SYNTHFLOW: "UNSPECIFIED",
    ProviderName.VAPI: "INBOUND",
}


async def test_a_single_link_is_one_route_of_its_kind(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(numbers=12, assistants=4)
    seen: set[str] = set()
    for n in await _numbers(gw):
        provider = ProviderName[n["provider"]]
        if provider not in SINGLE_LINK or n["assistant"] is None:
            continue
        seen.add(n["provider"])
        assert get_spec(provider).info.link_route.direction.value == SINGLE_LINK[provider]
        route = {
            "direction": SINGLE_LINK[provider],
            "channel": "VOICE",
            "weight": None,
            "assistant": {"id": n["assistant"]["id"], "name": n["routes"][0]["assistant"]["name"]},
        }
        assert n["routes"] == [route], n
    assert seen == {p.name for p in SINGLE_LINK}


async def test_teli_routes_are_its_inbound_and_outbound_agents(gateway: Gateway) -> None:
    state = gateway.emulators[ProviderName.TELI].state.data
    both = {r["phone_number"] for r in state.voice_numbers if r["outbound_agent_id"]}
    inbound = {r["phone_number"] for r in state.voice_numbers if r["inbound_agent_id"]}
    assert both
    for n in await _numbers(gateway):
        if n["provider"] != "TELI":
            continue
        directions = [(r["direction"], r["channel"]) for r in n["routes"]]
        expected = [("INBOUND", "VOICE")] if n["number"] in inbound else []
        if n["number"] in both:
            expected.append(("OUTBOUND", "VOICE"))
        assert directions == expected, n
        if len(n["routes"]) == 2:  # the world routes both directions to one agent
            assert n["routes"][0]["assistant"] == n["routes"][1]["assistant"]


async def test_assistant_phone_numbers_are_the_numbers_routed_to_it(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(numbers=12, assistants=4)
    expected: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for n in await _numbers(gw):
        for r in n["routes"]:
            expected[r["assistant"]["id"]].add((n["provider"], n["number"]))
    listed = (await gw.data(ASSISTANT_NUMBERS))["assistants"]["nodes"]
    assert any(a["phoneNumbers"]["nodes"] for a in listed)
    for a in listed:
        got = [x["number"] for x in a["phoneNumbers"]["nodes"]]
        assert len(got) == len(set(got)), a  # a number routed twice to it counts once
        assert {num for _, num in expected.get(a["id"], set())} == set(got), a


async def test_routes_cost_what_assistant_costs(make_gateway: GatewayFactory) -> None:
    """Route assistants go through the same batched loaders: no call per number, and
    the assistant lists start with the first number pages (look-ahead). Each query runs
    on a gateway of its own (a cold page cache)."""
    queries = [
        "{ phoneNumbers(first: 100) { nodes { assistant { name } } } }",
        "{ phoneNumbers(first: 100) { nodes { routes { assistant { name } } } } }",
        "{ phoneNumbers(first: 100) { nodes { assistant { name } routes { assistant { id } } } } }",
    ]
    counts = []
    for query in queries:
        gw = await make_gateway(numbers=60, assistants=20)
        await gw.data(query)
        counts.append(gw.upstream_requests())
    assert counts[1] == counts[0], counts
    assert counts[2] == counts[0], counts
