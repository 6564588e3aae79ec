"""Property: a sorted traversal (orderBy, keyset cursors) while numbers are added and
removed between its page requests shows every number that existed throughout exactly
once, nothing twice, nothing that never existed, all in the documented order."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import PROVIDER_ORDER, ProviderName

from .churn import Churn
from .conftest import open_gateway
from .sorting import NODE, in_order
from .test_pagination_properties import outage_walk, outages, worlds_of

PAGE = f"""
query($orderBy: [PhoneNumberOrder!], $filter: PhoneNumberFilter, $first: Int, $after: String,
      $last: Int, $before: String) {{
  phoneNumbers(orderBy: $orderBy, filter: $filter, first: $first, after: $after, last: $last,
               before: $before) {{
    edges {{ node {{ {NODE} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }}
}}
"""
# Every page reads what the emulators serve now: no page cache, no failure memory.
FRESH: dict[str, Any] = {"resilience": {"cache_ttl_seconds": 0, "failure_memory_seconds": 0}}
FIELDS = ["CREATED_AT", "UPDATED_AT", "NUMBER", "DISPLAY_NAME", "PROVIDER", "STATUS"]
orders = st.lists(
    st.tuples(st.sampled_from(FIELDS), st.sampled_from(["ASC", "DESC"])),
    min_size=1,
    max_size=3,
    unique_by=lambda k: k[0],
).map(lambda keys: [{"field": f, "direction": d} for f, d in keys])
filters = st.sampled_from([None, {"status": "ASSIGNED"}, {"status": "AVAILABLE"}, {"search": "5"}])


def matches(flt: dict[str, str] | None, e164: str, assigned: bool) -> bool:
    if flt and "status" in flt and flt["status"] != ("ASSIGNED" if assigned else "AVAILABLE"):
        return False
    return not (flt and "search" in flt and flt["search"] not in e164)


@dataclass(frozen=True)
class Walk:
    """One traversal: the worlds, the order and filter, page sizes, direction, and how
    many numbers change between pages (both cycled through)."""

    worlds: dict[ProviderName, EmulatorConfig]
    seed: int
    order: list[dict[str, str]]
    flt: dict[str, str] | None
    sizes: list[int]
    forward: bool
    changes: list[int]
    upstream_page_size: int  # small: lists span pages (Vapi's creation order reads by page)


@st.composite
def walks(draw: st.DrawFn) -> Walk:
    seed = draw(st.integers(0, 10_000))
    worlds = {
        p: EmulatorConfig(seed=seed + i, numbers=draw(st.integers(0, 16)), assistants=3)
        for i, p in enumerate(PROVIDER_ORDER)
    }
    return Walk(
        worlds,
        seed,
        draw(orders),
        draw(filters),
        draw(st.lists(st.integers(1, 12), min_size=1, max_size=4)),
        draw(st.booleans()),
        draw(st.lists(st.integers(0, 4), min_size=1, max_size=4)),
        draw(st.sampled_from([4, 100])),
    )


async def traverse(walk: Walk) -> None:
    worlds, order, flt, forward = walk.worlds, walk.order, walk.flt, walk.forward
    sizes, changes = walk.sizes, walk.changes
    churn = Churn(worlds, random.Random(walk.seed))
    index = {  # (provider, E.164) -> (world index, assigned)
        (p.name, n.e164): (n.index, n.assistant is not None)
        for p, config in worlds.items()
        for n in create_emulator(p, config).state.world.numbers
    }
    async with open_gateway(
        churn.configs(), upstream_page_size=walk.upstream_page_size, **FRESH
    ) as gw:
        seen: list[dict[str, Any]] = []
        cursor = None
        for page in range(200):
            size = sizes[page % len(sizes)]
            where = (
                {"first": size, "after": cursor} if forward else {"last": size, "before": cursor}
            )
            conn = (await gw.data(PAGE, orderBy=order, filter=flt, **where))["phoneNumbers"]
            nodes = [e["node"] for e in conn["edges"]]
            seen = seen + nodes if forward else nodes + seen
            info = conn["pageInfo"]
            if not info["hasNextPage" if forward else "hasPreviousPage"]:
                break
            cursor = info["endCursor" if forward else "startCursor"]
            churn.step(gw, changes[page % len(changes)])
        else:
            raise AssertionError("the traversal did not end")

    ids = [n["id"] for n in seen]
    assert len(ids) == len(set(ids)), "a number shown twice"
    assert ids == [n["id"] for n in in_order(seen, order)], "pages out of order"
    for n in seen:  # only numbers that existed at some time, and match the filter
        at, assigned = index[(n["provider"], n["number"])]
        assert at in churn.ever(ProviderName[n["provider"]])
        assert matches(flt, n["number"], assigned)
    shown = {(n["provider"], n["number"]) for n in seen}
    for (provider, e164), (at, assigned) in index.items():
        if at in churn.throughout(ProviderName[provider]) and matches(flt, e164, assigned):
            assert (provider, e164) in shown, f"{provider} {e164} existed throughout, not shown"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(walk=walks())
def test_a_sorted_traversal_through_changes_shows_what_existed_throughout_once(
    walk: Walk,
) -> None:
    asyncio.run(traverse(walk))


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    sizes=st.fixed_dictionaries({p: st.integers(0, 20) for p in PROVIDER_ORDER}),
    seed=st.integers(0, 10_000),
    order=orders,
    flt=st.sampled_from([None, {"status": "ASSIGNED"}]),
    size=st.integers(3, 20),
    forward=st.booleans(),
    schedule=outages,
    docs_only=st.booleans(),
)
def test_a_sorted_traversal_through_an_outage_sees_every_item_once(
    sizes: dict[ProviderName, int],
    seed: int,
    order: list[dict[str, str]],
    flt: Any,
    size: int,
    forward: bool,
    schedule: list[tuple[ProviderName, dict[str, Any]] | None],
    docs_only: bool,
) -> None:
    """As the unsorted outage property (test_pagination_properties.py), sorted: a failed
    provider is owed by keyset and its items come once, after recovery."""
    asyncio.run(outage_walk(worlds_of(sizes, seed), flt, size, forward, schedule, docs_only, order))
