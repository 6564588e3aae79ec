"""Property: however a client pages (forward, backward, mixed, any page size), it sees
exactly the full filtered list, in one stable order, with no duplicates and no gaps."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.emulators import EmulatorConfig
from gateway.emulators.common import make_world
from gateway.model import PROVIDER_ORDER, ProviderName

from .conftest import Gateway, open_gateway

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String, $filter: PhoneNumberFilter) {
  phoneNumbers(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    edges { cursor node { id provider number status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

sizes = st.fixed_dictionaries({p: st.integers(0, 45) for p in PROVIDER_ORDER})
filters = st.sampled_from([None, {"status": "AVAILABLE"}, {"status": "ASSIGNED"}, {"search": "3"}])
ops = st.lists(st.tuples(st.sampled_from(["next", "prev"]), st.integers(1, 30)), max_size=8)


def expected(worlds: dict[ProviderName, EmulatorConfig], flt: dict[str, str] | None) -> set[str]:
    """Every (provider, number) the filter should yield, straight from the emulators' worlds."""
    out = set()
    for provider, config in worlds.items():
        for n in make_world(config.seed, config.numbers, config.assistants).numbers:
            status = "ASSIGNED" if n.assistant is not None else "AVAILABLE"
            if flt and "status" in flt and flt["status"] != status:
                continue
            if flt and "search" in flt and flt["search"] not in n.e164:
                continue
            out.add(f"{provider.name}:{n.e164}")
    return out


async def page(gw: Gateway, flt: Any, **args: Any) -> dict[str, Any]:
    return (await gw.data(PAGE, filter=flt, **args))["phoneNumbers"]


def keys(conn: dict[str, Any]) -> list[str]:
    return [f"{e['node']['provider']}:{e['node']['number']}" for e in conn["edges"]]


async def walk(
    worlds: dict[ProviderName, EmulatorConfig], flt: Any, fwd: int, back: int, moves: list[Any]
) -> None:
    async with open_gateway(worlds) as gw:
        # 1. forwards to the end
        seq: list[str] = []
        cursors: list[str] = []
        after = None
        while True:
            conn = await page(gw, flt, first=fwd, after=after)
            seq += keys(conn)
            cursors += [e["cursor"] for e in conn["edges"]]
            assert conn["pageInfo"]["hasPreviousPage"] is (after is not None)
            if not conn["pageInfo"]["hasNextPage"]:
                break
            after = conn["pageInfo"]["endCursor"]
        assert len(seq) == len(set(seq)), "duplicates across pages"
        assert set(seq) == expected(worlds, flt), "gaps or strangers across pages"
        assert conn["totalCount"] == len(seq)
        order = [k.split(":")[0] for k in seq]
        assert order == sorted(order, key=[p.name for p in PROVIDER_ORDER].index)

        # 2. backwards from the end gives the same sequence
        back_seq: list[str] = []
        before = None
        while True:
            conn = await page(gw, flt, last=back, before=before)
            back_seq = keys(conn) + back_seq
            assert conn["pageInfo"]["hasNextPage"] is (before is not None)
            if not conn["pageInfo"]["hasPreviousPage"]:
                break
            before = conn["pageInfo"]["startCursor"]
        assert back_seq == seq

        # 3. a random mix of next/previous pages from the middle lines up with seq
        if not seq:
            return
        i = j = len(seq) // 2  # current window is seq[i:j], cursors at both ends
        start_after = cursors[i - 1] if i > 0 else None
        conn = await page(gw, flt, first=1, after=start_after)
        i, j = i, i + 1
        assert keys(conn) == seq[i:j]
        for op, k in moves:
            if op == "next":
                conn = await page(
                    gw, flt, first=k, after=conn["pageInfo"]["endCursor"] or start_after
                )
                i, j = j, min(len(seq), j + k)
                assert conn["pageInfo"]["hasNextPage"] is (j < len(seq))
            else:
                conn = await page(
                    gw, flt, last=k, before=conn["pageInfo"]["startCursor"] or cursors[j - 1]
                )
                i, j = max(0, i - k), i
                assert conn["pageInfo"]["hasPreviousPage"] is (i > 0)
            assert keys(conn) == seq[i:j], (op, k, i, j)
            if i == j:  # an empty page carries no cursors: restart from the middle
                break


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    sizes=sizes,
    seed=st.integers(0, 10_000),
    flt=filters,
    fwd=st.integers(3, 40),
    back=st.integers(3, 40),
    moves=ops,
)
def test_any_walk_sees_the_whole_list_once(
    sizes: dict[ProviderName, int], seed: int, flt: Any, fwd: int, back: int, moves: Any
) -> None:
    worlds = {
        p: EmulatorConfig(seed=seed + i, numbers=n, assistants=3)
        for i, (p, n) in enumerate(sizes.items())
    }
    asyncio.run(walk(worlds, flt, fwd, back, moves))
