"""Sorted traversals with the page cache on, over HTTP against the emulators: each list
is read once per TTL and sorted once (the runtime's sorted snapshots, counted by the
emulators' request stats), and a write between pages is seen by the next page."""

from __future__ import annotations

from typing import Any

from gateway.model import ProviderName

from .conftest import Gateway, GatewayFactory
from .sorting import in_order
from .test_ordering import PAGE, everything

ORDER = [{"field": "NUMBER"}]
ASSIGNED = {"status": "ASSIGNED"}
UNLINK = """mutation($id: ID!) { unlinkPhoneNumber(input: {phoneNumberId: $id})
            { userErrors { code } } }"""
LIST = PAGE.replace("totalCount", "")


async def pages(gw: Gateway, after: str | None, size: int = 40) -> list[dict[str, Any]]:
    """The sorted ASSIGNED numbers after ``after``, page by page to the end."""
    seen: list[dict[str, Any]] = []
    while True:
        conn = (await gw.data(LIST, orderBy=ORDER, filter=ASSIGNED, first=size, after=after))[
            "phoneNumbers"
        ]
        seen += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return seen
        after = conn["pageInfo"]["endCursor"]


async def test_a_sorted_traversal_reads_each_list_once_per_ttl_and_sees_a_write(
    gateway_factory: GatewayFactory,
) -> None:
    gw = await gateway_factory(numbers=250, resilience={"cache_ttl_seconds": 600})
    snapshots = gw.app.state.runtime.snapshots
    conn = (await gw.data(LIST, orderBy=ORDER, filter=ASSIGNED, first=40))["phoneNumbers"]
    once = gw.upstream_requests()
    assert all(once.values())  # the first page read every list
    gw.reset_counts()
    first = [e["node"] for e in conn["edges"]]
    after = conn["pageInfo"]["endCursor"]
    hits = snapshots.hits
    rest = await pages(gw, after)
    assert sum(gw.upstream_requests().values()) == 0  # within the TTL: read once
    later = -(-len(rest) // 40)  # the pages after the first, each served by the snapshots
    assert snapshots.hits - hits >= later * len(gw.emulators)
    want = in_order(await everything(gw, ASSIGNED), ORDER)
    assert [n["id"] for n in first + rest] == [n["id"] for n in want]

    gone = next(n for n in reversed(rest) if n["provider"] == ProviderName.BURKI.name)
    result = await gw.data(UNLINK, id=gone["id"])
    assert result["unlinkPhoneNumber"]["userErrors"] == []
    gw.reset_counts()
    again = await pages(gw, after)
    assert [n["id"] for n in again] == [n["id"] for n in rest if n["id"] != gone["id"]]
    assert gw.upstream_requests()[ProviderName.BURKI] > 0  # read again after the write


LINKED = """
query($after: String) { phoneNumbers(orderBy: [{field: DISPLAY_NAME}], first: 100, after: $after) {
  nodes { id assistant { id name } } pageInfo { hasNextPage endCursor }
} }
"""


async def linked(gw: Gateway) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        conn = (await gw.data(LINKED, after=after))["phoneNumbers"]
        seen += conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            return seen
        after = conn["pageInfo"]["endCursor"]


async def test_links_on_pages_served_from_snapshots_resolve_as_on_fresh_reads(
    gateway_factory: GatewayFactory,
) -> None:
    fresh = await gateway_factory(numbers=60, resilience={"cache_ttl_seconds": 0})
    kept = await gateway_factory(numbers=60, resilience={"cache_ttl_seconds": 600})
    assert await linked(kept) == await linked(fresh)
    assert kept.app.state.runtime.snapshots.hits > 0
    kept.reset_counts()
    await linked(kept)  # every page from the snapshots, every link from the cache
    assert sum(kept.upstream_requests().values()) == 0


async def test_a_list_read_with_parts_missing_is_read_again_by_the_next_page(
    gateway_factory: GatewayFactory,
) -> None:
    """Teli's voice pool failing leaves its list partial: not kept, so the next page asks
    again (and reports it again) until it answers."""
    resilience = {
        "cache_ttl_seconds": 600,
        "failure_memory_seconds": 0,
        "breaker_enabled": False,
        "max_attempts": 1,
    }
    gw = await gateway_factory(numbers=30, resilience=resilience)
    gw.fault(ProviderName.TELI, status=500, path_prefix="/v1/voice/phone-numbers")
    after = None
    for _ in range(2):
        gw.reset_counts()
        body = await gw.query(LIST, orderBy=ORDER, first=10, after=after)
        assert [e["extensions"]["provider"] for e in body["errors"]] == ["teli"]
        assert gw.upstream_requests()[ProviderName.TELI] > 0
        after = body["data"]["phoneNumbers"]["pageInfo"]["endCursor"]
    gw.emulators[ProviderName.TELI].state.control.faults.clear()
    body = await gw.query(LIST, orderBy=ORDER, first=10, after=after)
    assert "errors" not in body
