"""Many concurrent identical GraphQL requests share their upstream calls.

The page cache is off in these tests, so only coalescing can explain the counts.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.model import ProviderName
from tests.e2e.conftest import Gateway, open_gateway

QUERY = """{ phoneNumbers(first: 30) {
    totalCount edges { cursor node { id number assistant { name } } } } }"""

SETTINGS: dict[str, Any] = {
    "numbers": 25,
    "assistants": 4,
    "upstream_page_size": 10,  # several pages per provider
    "request_deadline_seconds": 5,
}


def slow_upstreams(gw: Gateway) -> None:
    # Network-like latency, so the concurrent requests overlap in flight.
    for provider in gw.emulators:
        gw.fault(provider, latency_ms=200)


def nodes(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in body["data"]["phoneNumbers"]["edges"]]


async def counts_for(
    concurrent: int, **resilience: Any
) -> tuple[dict[ProviderName, int], list[Any]]:
    settings = {**SETTINGS, "resilience": {"cache_ttl_seconds": 0, **resilience}}
    async with open_gateway(**settings) as gw:
        slow_upstreams(gw)
        bodies = await asyncio.gather(*(gw.query(QUERY) for _ in range(concurrent)))
        return gw.upstream_requests(), bodies


async def test_concurrent_identical_requests_make_one_call_per_distinct_page() -> None:
    one, [single] = await counts_for(1)
    many, bodies = await counts_for(20)
    assert "errors" not in single
    assert all(nodes(body) == nodes(single) for body in bodies)
    assert sum(one.values()) > len(one)  # more than one page per provider on average
    assert many == one, (many, one)


async def test_without_coalescing_every_request_calls_upstream() -> None:
    one, _ = await counts_for(1, coalesce=False)
    many, bodies = await counts_for(10, coalesce=False)
    assert all("errors" not in body for body in bodies)
    assert all(many[p] == 10 * one[p] for p in one), (many, one)


async def test_the_page_cache_serves_repeated_requests() -> None:
    settings = {**SETTINGS, "resilience": {"cache_ttl_seconds": 5}}
    async with open_gateway(**settings) as gw:
        first = await gw.query(QUERY)
        calls = sum(gw.upstream_requests().values())
        for _ in range(3):
            assert nodes(await gw.query(QUERY)) == nodes(first)
        assert sum(gw.upstream_requests().values()) == calls  # all from the cache


async def test_the_page_cache_expires() -> None:
    settings = {**SETTINGS, "resilience": {"cache_ttl_seconds": 0.2}}
    async with open_gateway(**settings) as gw:
        await gw.query(QUERY)
        calls = sum(gw.upstream_requests().values())
        await asyncio.sleep(0.25)
        await gw.query(QUERY)
        assert sum(gw.upstream_requests().values()) == 2 * calls
