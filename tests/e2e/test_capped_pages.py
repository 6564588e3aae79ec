"""Upstreams that cap their page size silently: every item is still seen exactly once,
forwards and backwards, through the gateway over HTTP (``EmulatorConfig.max_page_size``)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.model import PROVIDER_ORDER, ProviderName

from .conftest import Gateway, GatewayFactory

NUMBERS = """
query($first: Int, $after: String, $last: Int, $before: String, $p: [Provider!]) {
  phoneNumbers(first: $first, after: $after, last: $last, before: $before,
               filter: {providers: $p}) {
    totalCount
    nodes { id number provider status capabilities { voice } assistant { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

ASSISTANTS = """
query($after: String, $p: [Provider!]) {
  assistants(first: 40, after: $after, filter: {providers: $p}) {
    nodes { id name }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def walk(gw: Gateway, query: str, key: str, **variables: Any) -> list[dict[str, Any]]:
    """Every node of a connection, forwards, page by page (``after``)."""
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await gw.data(query, after=after, **variables))[key]
        seen += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def walk_back(gw: Gateway, last: int, **variables: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    before = None
    while True:
        page = (await gw.data(NUMBERS, last=last, before=before, **variables))["phoneNumbers"]
        seen = page["nodes"] + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            return seen
        before = page["pageInfo"]["startCursor"]


@pytest.mark.parametrize("cap", [7, 30])
async def test_numbers_past_a_silent_cap_once_each_both_ways(
    make_gateway: GatewayFactory, cap: int
) -> None:
    """A cap below the gateway's page size (7: not a round number; 30) on every
    limit/offset upstream: forward and backward traversals see every number once."""
    capped = {p: {"max_page_size": cap} for p in PROVIDER_ORDER}
    gw = await make_gateway(numbers=95, assistants=6, emulators=capped)
    offset = [ProviderName.FLIREO.name, ProviderName.SYNTHFLOW.name]
    forward = await walk(gw, NUMBERS, "phoneNumbers", first=40, p=offset)
    ids = [n["id"] for n in forward]
    assert len(ids) == len(set(ids)) == 2 * 95
    backward = await walk_back(gw, 40, p=offset)
    assert [n["id"] for n in backward] == ids
    whole = (await gw.data(NUMBERS, first=1, p=offset))["phoneNumbers"]
    assert whole["totalCount"] == 2 * 95


async def test_assistants_past_a_silent_cap_without_a_total(
    make_gateway: GatewayFactory,
) -> None:
    """Burki (no total in either mode) and docs-only Flireo (no ``meta``) capped at 25:
    every assistant is listed, and the linked numbers name theirs."""
    capped = {p: {"max_page_size": 25} for p in (ProviderName.BURKI, ProviderName.FLIREO)}
    gw = await make_gateway(numbers=60, assistants=70, emulators=capped)
    which = [ProviderName.BURKI.name, ProviderName.FLIREO.name]
    listed = await walk(gw, ASSISTANTS, "assistants", p=which)
    assert len({a["id"] for a in listed}) == len(listed) == 2 * 70
    numbers = await walk(gw, NUMBERS, "phoneNumbers", first=100, p=which)
    assert len(numbers) == 2 * 60  # each linked one named its assistant (else: an error)


async def test_docs_only_links_resolve_where_ids_and_fields_differ(
    gateway_factory: GatewayFactory,
) -> None:
    """Docs-only Teli numbers name agents by ``voice_agent_id`` and Synthflow lists agents
    without outbound numbers: every assigned number still names its assistant, no error."""
    gw = await gateway_factory(docs_only=True, numbers=40, assistants=6)
    which = [ProviderName.TELI.name, ProviderName.SYNTHFLOW.name]
    for first in (1, 100):  # one lookup and a batch answer alike
        body = await gw.query(NUMBERS, first=first, p=which)
        assert "errors" not in body, body["errors"]
    nodes = (await gw.data(NUMBERS, first=100, p=which))["phoneNumbers"]["nodes"]
    # Teli SMS numbers are assigned to users, never to agents: only voice numbers count.
    routed = [n for n in nodes if n["provider"] == "SYNTHFLOW" or n["capabilities"]["voice"]]
    assert sum(n["status"] == "ASSIGNED" for n in routed) > 10
    for node in routed:
        assert (node["assistant"] is not None) == (node["status"] == "ASSIGNED"), node
