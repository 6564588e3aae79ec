"""The demo gateway answers the basic questions a frontend asks."""

from __future__ import annotations

from gateway.model import PROVIDER_ORDER

from .conftest import Gateway

NUMBERS = """
query($first: Int, $after: String, $filter: PhoneNumberFilter) {
  phoneNumbers(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { id provider number status assistant { id name } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def test_lists_numbers_of_every_provider(gateway: Gateway) -> None:
    seen, after = [], None
    while True:
        conn = (await gateway.data(NUMBERS, first=40, after=after))["phoneNumbers"]
        seen += [e["node"] for e in conn["edges"]]
        assert conn["totalCount"] == len(PROVIDER_ORDER) * 25
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    total = len(PROVIDER_ORDER) * 25
    assert len(seen) == total
    assert len({n["id"] for n in seen}) == total
    order = [n["provider"] for n in seen]
    assert order == sorted(order, key=[p.name for p in PROVIDER_ORDER].index)
    linked = [n for n in seen if n["assistant"]]
    assert {n["provider"] for n in linked} == {p.name for p in PROVIDER_ORDER}


async def test_providers_field(gateway: Gateway) -> None:
    data = await gateway.data("{ providers { name pagination nativeFilters maxPageSize } }")
    assert [p["name"] for p in data["providers"]] == [p.name for p in PROVIDER_ORDER]
