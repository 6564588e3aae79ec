"""``orderBy`` on the lists, over HTTP against the emulators: the documented total order
across providers, both directions, keyset cursors bound to their order, filters,
totalCount, Assistant.phoneNumbers, the per-provider limit and partial failure."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.emulators import EmulatorConfig
from gateway.model import PROVIDER_ORDER, ProviderName

from .conftest import Gateway, GatewayFactory
from .sorting import NODE, in_order

PAGE = f"""
query($orderBy: [PhoneNumberOrder!], $filter: PhoneNumberFilter, $first: Int, $after: String,
      $last: Int, $before: String) {{
  phoneNumbers(orderBy: $orderBy, filter: $filter, first: $first, after: $after, last: $last,
               before: $before) {{
    totalCount
    edges {{ cursor node {{ {NODE} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }}
}}
"""
ORDERS: list[list[dict[str, str]]] = [
    [{"field": "CREATED_AT", "direction": "DESC"}],
    [{"field": "NUMBER"}],
    [{"field": "DISPLAY_NAME"}, {"field": "UPDATED_AT", "direction": "DESC"}],
    [{"field": "STATUS", "direction": "DESC"}, {"field": "PROVIDER", "direction": "DESC"}],
]


async def everything(gw: Gateway, flt: Any = None) -> list[dict[str, Any]]:
    """The unsorted list, whole."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        conn = (await gw.data(PAGE, filter=flt, first=100, after=after))["phoneNumbers"]
        nodes += [e["node"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes
        after = conn["pageInfo"]["endCursor"]


async def walk(gw: Gateway, order: Any, size: int, *, forward: bool, flt: Any = None) -> list[Any]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        args = {"first": size, "after": cursor} if forward else {"last": size, "before": cursor}
        conn = (await gw.data(PAGE, orderBy=order, filter=flt, **args))["phoneNumbers"]
        page = [e["node"] for e in conn["edges"]]
        seen = seen + page if forward else page + seen
        info = conn["pageInfo"]
        if not info["hasNextPage" if forward else "hasPreviousPage"]:
            return seen
        cursor = info["endCursor" if forward else "startCursor"]


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: ",".join(k["field"] for k in o))
async def test_a_sorted_list_is_every_number_in_the_documented_order(
    make_gateway: GatewayFactory, order: Any
) -> None:
    gw = await make_gateway(numbers=12)
    want = in_order(await everything(gw), order)
    assert [n["id"] for n in await walk(gw, order, 7, forward=True)] == [n["id"] for n in want]
    assert [n["id"] for n in await walk(gw, order, 5, forward=False)] == [n["id"] for n in want]


async def test_filters_and_total_count_apply_to_the_sorted_list(gateway: Gateway) -> None:
    flt = {"status": "ASSIGNED", "search": "5"}
    order = [{"field": "NUMBER", "direction": "DESC"}]
    want = in_order(await everything(gateway, flt), order)
    conn = (await gateway.data(PAGE, orderBy=order, filter=flt, first=3))["phoneNumbers"]
    assert conn["totalCount"] == len(want)
    assert [e["node"]["id"] for e in conn["edges"]] == [n["id"] for n in want[:3]]


async def test_cursors_are_bound_to_their_order(gateway: Gateway) -> None:
    by_number = [{"field": "NUMBER"}]
    sorted_cursor = (await gateway.data(PAGE, orderBy=by_number, first=1))["phoneNumbers"]
    plain_cursor = (await gateway.data(PAGE, first=1))["phoneNumbers"]
    for order, cursor in [
        ([{"field": "NUMBER", "direction": "DESC"}], sorted_cursor["pageInfo"]["endCursor"]),
        (None, sorted_cursor["pageInfo"]["endCursor"]),
        (by_number, plain_cursor["pageInfo"]["endCursor"]),
    ]:
        body = await gateway.query(PAGE, orderBy=order, first=2, after=cursor)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_CURSOR"]


async def test_an_empty_order_is_the_unsorted_list_with_its_cursors(gateway: Gateway) -> None:
    plain = (await gateway.data(PAGE, first=4))["phoneNumbers"]
    empty = (await gateway.data(PAGE, orderBy=[], first=4))["phoneNumbers"]
    assert [e["node"] for e in empty["edges"]] == [e["node"] for e in plain["edges"]]
    after = plain["pageInfo"]["endCursor"]
    assert (await gateway.data(PAGE, orderBy=[], first=2, after=after))["phoneNumbers"]["edges"]


async def test_a_key_named_twice_is_bad_user_input(gateway: Gateway) -> None:
    body = await gateway.query(PAGE, orderBy=[{"field": "NUMBER"}, {"field": "NUMBER"}])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


ASSISTANTS = """
query($orderBy: [AssistantOrder!], $numbersBy: [PhoneNumberOrder!]) {
  assistants(orderBy: $orderBy, first: 100) {
    nodes {
      id provider nativeId name createdAt
      phoneNumbers(orderBy: $numbersBy, first: 50) { totalCount nodes { NODE } }
      plain: phoneNumbers(first: 50) { nodes { NODE } }
    }
  }
}
""".replace("NODE", NODE)


async def test_assistants_and_their_numbers_sort(gateway: Gateway) -> None:
    by_name = [{"field": "NAME", "direction": "DESC"}]
    numbers_by = [{"field": "CREATED_AT"}, {"field": "NUMBER"}]
    data = await gateway.data(ASSISTANTS, orderBy=by_name, numbersBy=numbers_by)
    nodes = data["assistants"]["nodes"]
    assert [a["id"] for a in nodes] == [a["id"] for a in in_order(nodes, by_name)]
    for a in nodes:
        assert a["phoneNumbers"]["nodes"] == in_order(a["plain"]["nodes"], numbers_by)
        assert a["phoneNumbers"]["totalCount"] == len(a["plain"]["nodes"])
    by_created = [{"field": "CREATED_AT", "direction": "DESC"}, {"field": "PROVIDER"}]
    data = await gateway.data(ASSISTANTS, orderBy=by_created)
    ordered = data["assistants"]["nodes"]
    assert [a["id"] for a in ordered] == [a["id"] for a in in_order(ordered, by_created)]
    assert any(a["createdAt"] for a in ordered)


async def test_a_provider_over_the_limit_is_left_out_with_a_coded_error(
    gateway_factory: GatewayFactory,
) -> None:
    big = PROVIDER_ORDER[1]
    worlds = {p: EmulatorConfig(numbers=30 if p is big else 6) for p in PROVIDER_ORDER}
    gw = await gateway_factory(worlds=worlds, sorted_max_items_per_provider=12)
    body = await gw.query(PAGE, orderBy=[{"field": "NUMBER"}], first=100)
    assert [(e["extensions"], e["path"]) for e in body["errors"]] == [
        ({"code": "SORT_LIMIT_EXCEEDED", "provider": big.value}, ["phoneNumbers"])
    ]
    conn = body["data"]["phoneNumbers"]
    shown = {e["node"]["provider"] for e in conn["edges"]}
    assert shown == {p.name for p in PROVIDER_ORDER} - {big.name}
    assert conn["totalCount"] == len(conn["edges"])
    assert conn["pageInfo"]["hasNextPage"] is False  # not owed: asking again cannot help


async def test_a_provider_failing_mid_traversal_is_owed_then_seen_once(
    gateway_factory: GatewayFactory,
) -> None:
    gw = await gateway_factory(
        numbers=10,
        resilience={
            "cache_ttl_seconds": 0,
            "failure_memory_seconds": 0,
            "breaker_enabled": False,
            "max_attempts": 1,
        },
    )
    order = [{"field": "CREATED_AT", "direction": "DESC"}]
    want = [n["id"] for n in in_order(await everything(gw), order)]
    failing = PROVIDER_ORDER[2]
    seen: list[str] = []
    cursor = None
    for page in range(100):
        if page in (1, 2):
            gw.fault(failing, status=500, times=1)
        body = await gw.query(PAGE, orderBy=order, first=8, after=cursor)
        if page in (1, 2):
            assert [e["extensions"]["provider"] for e in body["errors"]] == [failing.value]
        conn = body["data"]["phoneNumbers"]
        seen += [e["node"]["id"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        cursor = conn["pageInfo"]["endCursor"]
    else:
        raise AssertionError("the traversal did not end")
    assert sorted(seen) == sorted(want)
    assert len(seen) == len(set(seen))


COUNT_ONLY = """
query($filter: PhoneNumberFilter) { phoneNumbers(filter: $filter, first: 0) { totalCount } }
"""
SORTED_WITH_LINKS = """
query { phoneNumbers(orderBy: [{field: NUMBER}], first: 30) {
  totalCount nodes { id assistant { name } }
} }
"""


async def test_a_sorted_page_reads_each_list_once(gateway_factory: GatewayFactory) -> None:
    gw = await gateway_factory(numbers=250, resilience={"cache_ttl_seconds": 0})
    # An unsorted count with a filter the gateway applies reads every whole list once.
    await gw.data(COUNT_ONLY, filter={"search": "no label has this"})
    whole = gw.upstream_requests()
    gw.reset_counts()
    body = await gw.query(SORTED_WITH_LINKS)
    assert body["data"]["phoneNumbers"]["totalCount"] > 250
    sorted_calls = gw.upstream_requests()
    gw.reset_counts()
    await gw.query("{ assistants(first: 0) { totalCount } }")  # what the links add
    links = gw.upstream_requests()
    assert max(whole.values()) > 1  # the lists span several upstream pages
    for provider, calls in sorted_calls.items():
        assert calls <= whole[provider] + links[provider], provider


VAPI_ONLY = {"providers": ["VAPI"]}


async def test_a_list_sorted_by_creation_reads_only_the_pages_it_needs_of_vapi(
    gateway_factory: GatewayFactory,
) -> None:
    """Vapi sorts by createdAt itself (sortBy, sortOrder, createdAtGe/Le): the first page
    and the next are one upstream call each, where a list read whole takes three."""
    gw = await gateway_factory(numbers=250, resilience={"cache_ttl_seconds": 0})
    order = [{"field": "CREATED_AT", "direction": "DESC"}]
    vapi = gw.emulators[ProviderName.VAPI].state.control
    conn = (await gw.data(PAGE, orderBy=order, filter=VAPI_ONLY, first=20))["phoneNumbers"]
    assert vapi.requests.total() == 2  # the page, and totalCount (one page reports it)
    vapi.requests.clear()
    after = conn["pageInfo"]["endCursor"]
    await gw.data(PAGE.replace("totalCount", ""), orderBy=order, filter=VAPI_ONLY, after=after)
    assert vapi.requests.total() == 1
    assert "sortOrder=DESC" in vapi.targets[-1]
    assert "createdAtLe=" in vapi.targets[-1]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_numbers_created_at_the_same_instant_across_pages_come_once_in_order(
    make_gateway: GatewayFactory, direction: str
) -> None:
    """Ties in createdAt span upstream pages; the gateway orders each group itself."""
    gw = await make_gateway(numbers=30, upstream_page_size=4, resilience={"cache_ttl_seconds": 0})
    records = gw.emulators[ProviderName.VAPI].state.data.numbers
    for i, record in enumerate(records):  # three instants, ten numbers each
        record["createdAt"] = f"2024-02-0{1 + i // 10}T00:00:00Z"
    order = [{"field": "CREATED_AT", "direction": direction}]
    want = in_order(await everything(gw, VAPI_ONLY), order)
    for forward in (True, False):
        got = await walk(gw, order, 3, forward=forward, flt=VAPI_ONLY)
        assert [n["id"] for n in got] == [n["id"] for n in want]
