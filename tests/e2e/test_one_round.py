"""Look-ahead: a list whose items' links are selected reads the linked lists in the same
upstream round as its first pages, timed by the emulators' own clock (when each upstream
request arrived), not by how long the GraphQL request took.

The list lengths are learned first (page cache off, so the timed query reads every page
again): a page over lists never read takes a second round for its own pages
(test_planned_pages.py), which is not what this measures."""

from __future__ import annotations

from gateway.emulators.common import Fault
from gateway.model import PROVIDER_ORDER

from .conftest import open_gateway

LATENCY_MS = 300
NUMBERS_WITH_ASSISTANTS = """
{ phoneNumbers(first: 100) { edges { node { id number assistant { name } } } } }
"""
ASSISTANTS_WITH_NUMBERS = """
{ assistants(first: 50) { nodes { name phoneNumbers(first: 5) { nodes { number } } } } }
"""


async def _one_round(query: str) -> list[list[float]]:
    async with open_gateway(resilience={"cache_ttl_seconds": 0}) as gw:
        assert "errors" not in await gw.query(query)  # learns the lengths
        for name in PROVIDER_ORDER:
            gw.emulators[name].state.control.faults.append(Fault(latency_ms=LATENCY_MS))
            gw.emulators[name].state.control.arrivals.clear()
        body = await gw.query(query)
        assert "errors" not in body, body["errors"]
        return gw.upstream_rounds(LATENCY_MS)


async def test_numbers_and_their_assistants_in_one_round() -> None:
    grouped = await _one_round(NUMBERS_WITH_ASSISTANTS)
    assert len(grouped) == 1, [len(g) for g in grouped]


async def test_assistants_and_their_numbers_in_one_round() -> None:
    grouped = await _one_round(ASSISTANTS_WITH_NUMBERS)
    assert len(grouped) == 1, [len(g) for g in grouped]
