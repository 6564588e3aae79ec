"""Property: however a client pages (forward, backward, mixed, any page size), it sees
exactly the full filtered list, in one stable order, with no duplicates and no gaps."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Coroutine
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import PROVIDER_ORDER, ProviderName

from .conftest import Gateway, open_gateway
from .sorting import NODE, in_order

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


Worlds = dict[ProviderName, EmulatorConfig]


def world_change_test(
    check: Callable[[Worlds, Worlds, Any, int], Coroutine[Any, Any, None]], max_examples: int
) -> Callable[..., None]:
    """A property test of ``check(before, after, flt, size)`` over a change of worlds: the
    providers' sizes before and after (0-30 numbers each, seeded alike), a filter and a
    page size."""

    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        before=st.fixed_dictionaries({p: st.integers(0, 30) for p in PROVIDER_ORDER}),
        after=st.fixed_dictionaries({p: st.integers(0, 30) for p in PROVIDER_ORDER}),
        seed=st.integers(0, 10_000),
        flt=st.sampled_from([None, {"status": "ASSIGNED"}, {"search": "3"}]),
        size=st.integers(1, 35),
    )
    def test(
        before: dict[ProviderName, int],
        after: dict[ProviderName, int],
        seed: int,
        flt: Any,
        size: int,
    ) -> None:
        asyncio.run(check(worlds_of(before, seed), worlds_of(after, seed), flt, size))

    return test


def worlds_of(sizes: dict[ProviderName, int], seed: int) -> dict[ProviderName, EmulatorConfig]:
    """One world per provider, ``sizes`` numbers each, seeded apart."""
    return {
        p: EmulatorConfig(seed=seed + i, numbers=n, assistants=3)
        for i, (p, n) in enumerate(sizes.items())
    }


def expected(worlds: dict[ProviderName, EmulatorConfig], flt: dict[str, str] | None) -> set[str]:
    """Every (provider, number) the filter should yield, straight from the emulators' worlds."""
    out = set()
    for provider, config in worlds.items():
        for n in create_emulator(provider, config).state.world.numbers:
            status = "ASSIGNED" if n.assistant is not None else "AVAILABLE"
            if flt and "status" in flt and flt["status"] != status:
                continue
            if flt and "search" in flt and flt["search"] not in n.e164:
                continue
            out.add(f"{provider.name}:{n.e164}")
    return out


async def page(gw: Gateway, flt: Any, **args: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await gw.data(PAGE, filter=flt, **args))["phoneNumbers"]
    return found


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
    asyncio.run(walk(worlds_of(sizes, seed), flt, fwd, back, moves))


# -- partial outages -----------------------------------------------------------------------

OUTAGE_PAGE = f"""
query($first: Int, $after: String, $last: Int, $before: String, $filter: PhoneNumberFilter,
      $orderBy: [PhoneNumberOrder!]) {{
  phoneNumbers(first: $first, after: $after, last: $last, before: $before, filter: $filter,
               orderBy: $orderBy) {{
    edges {{ node {{ {NODE} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }}
}}
"""
FAULTS = [{"status": 500}, {"status": 404}, {"malformed": True}, {"drop": True}]
# Each page's faults are exactly what it sees: no page cache, failure memory or breaker.
NO_MEMORY: dict[str, Any] = {
    "resilience": {
        "cache_ttl_seconds": 0,
        "failure_memory_seconds": 0,
        "breaker_enabled": False,
        "max_attempts": 1,
    }
}
outages = st.lists(
    st.one_of(st.none(), st.tuples(st.sampled_from(PROVIDER_ORDER), st.sampled_from(FAULTS))),
    max_size=8,
)


def _untimed(cursor: str | None) -> Any:
    """A cursor's content without its issue time (and so its signature)."""
    if cursor is None:
        return None
    head = cursor.partition(".")[0]
    body = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    body.pop("t")
    return body


def same_page(a: dict[str, Any], b: dict[str, Any]) -> bool:
    info_a, info_b = dict(a["pageInfo"]), dict(b["pageInfo"])
    for name in ("startCursor", "endCursor"):
        info_a[name], info_b[name] = _untimed(info_a[name]), _untimed(info_b[name])
    return bool(a["edges"] == b["edges"] and info_a == info_b)


async def outage_walk(
    worlds: dict[ProviderName, EmulatorConfig],
    flt: Any,
    size: int,
    forward: bool,
    schedule: list[tuple[ProviderName, dict[str, Any]] | None],
    docs_only: bool = False,
    order: list[dict[str, str]] | None = None,
) -> None:
    """Page through while ``schedule[i]`` fails on page i, then with every provider back
    (sorted by ``order`` if given)."""
    want = expected(worlds, flt)
    async with open_gateway(worlds, docs_only=docs_only, **NO_MEMORY) as gw:
        args: dict[str, Any] = {"filter": flt, ("first" if forward else "last"): size}
        args["orderBy"] = order
        nodes: list[dict[str, Any]] = []
        seen: list[str] = []
        cursor: str | None = None
        failed_any = False
        for i in range(len(schedule) + len(want) // size + 2):
            where = "after" if forward else "before"
            outage = schedule[i] if i < len(schedule) else None
            if outage is not None:
                gw.fault(outage[0], **outage[1])
            body = await gw.query(OUTAGE_PAGE, **{**args, where: cursor})
            for app in gw.emulators.values():
                app.state.control.faults.clear()
            conn = body["data"]["phoneNumbers"]
            errors = body.get("errors", [])
            # Every error names the provider that failed on this page, at the field.
            assert outage is not None or not errors, errors
            for error in errors:
                assert outage is not None
                assert error["path"] == ["phoneNumbers"]
                assert error["extensions"]["provider"] == outage[0].value
                assert error["extensions"]["code"].startswith("UPSTREAM_")
            # Without an error the page is exactly what it is with nothing failing.
            if not errors:
                oracle = (await gw.data(OUTAGE_PAGE, **args, **{where: cursor}))["phoneNumbers"]
                assert same_page(conn, oracle)
            failed_any = failed_any or bool(errors)
            page = [f"{e['node']['provider']}:{e['node']['number']}" for e in conn["edges"]]
            seen = seen + page if forward else page + seen
            got = [e["node"] for e in conn["edges"]]
            nodes = nodes + got if forward else got + nodes
            info = conn["pageInfo"]
            if not info["hasNextPage" if forward else "hasPreviousPage"]:
                break
            cursor = info["endCursor" if forward else "startCursor"]
        else:
            raise AssertionError("the traversal did not end after the outage")
        # Finished after recovery: every item of the list, none twice.
        assert len(seen) == len(set(seen)), "duplicates across pages"
        assert set(seen) == want, "gaps or strangers across pages"
        if failed_any:
            return
        if order is not None:  # nothing failed: the documented order too
            assert nodes == in_order(nodes, order)
        else:
            providers = [k.split(":")[0] for k in seen]
            assert providers == sorted(providers, key=[p.name for p in PROVIDER_ORDER].index)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    sizes=st.fixed_dictionaries({p: st.integers(0, 30) for p in PROVIDER_ORDER}),
    seed=st.integers(0, 10_000),
    flt=st.sampled_from([None, {"status": "ASSIGNED"}]),
    size=st.integers(3, 25),
    forward=st.booleans(),
    schedule=outages,
    docs_only=st.booleans(),
)
def test_a_traversal_through_an_outage_sees_every_item_once(
    sizes: dict[ProviderName, int],
    seed: int,
    flt: Any,
    size: int,
    forward: bool,
    schedule: list[tuple[ProviderName, dict[str, Any]] | None],
    docs_only: bool,
) -> None:
    asyncio.run(outage_walk(worlds_of(sizes, seed), flt, size, forward, schedule, docs_only))
