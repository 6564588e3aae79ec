"""Pages planned from remembered list lengths, or guessed where none is known: a page asks
only the providers it reaches, counted by the emulators' own request stats, in two rounds
at most; and lengths that went stale (an upstream's list grew or shrank since it was read)
never cost an item or repeat one."""

from __future__ import annotations

from typing import Any

from gateway.emulators import EmulatorConfig
from gateway.model import PROVIDER_ORDER, ProviderName

from .conftest import Gateway, GatewayFactory, open_gateway
from .test_pagination_properties import expected, world_change_test, worlds_of

PAGE = """
query($first: Int, $after: String, $filter: PhoneNumberFilter) {
  phoneNumbers(first: $first, after: $after, filter: $filter) {
    nodes { provider number }
    pageInfo { hasNextPage endCursor }
  }
}
"""
# Every page reads its upstreams: no page cache, so each count is what the page asked.
UNCACHED: dict[str, Any] = {"resilience": {"cache_ttl_seconds": 0}}


def asked(gw: Gateway) -> set[str]:
    """The providers asked since the last reset, by the emulators' own counts."""
    return {p.name for p, n in gw.upstream_requests().items() if n}


async def test_a_page_the_first_provider_fills_asks_only_it(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(**UNCACHED)
    conn = (await gw.data(PAGE, first=10))["phoneNumbers"]
    # Nothing known yet: a list never read is guessed to hold one upstream page, and
    # Burki's first page fills ten.
    assert asked(gw) == {PROVIDER_ORDER[0].name}
    gw.reset_counts()
    again = (await gw.data(PAGE, first=10))["phoneNumbers"]
    # (the cursors carry when they were issued, so only the items are compared)
    assert again["nodes"] == conn["nodes"]
    assert asked(gw) == {PROVIDER_ORDER[0].name}
    assert again["pageInfo"]["hasNextPage"] is True


async def test_a_traversal_asks_each_page_only_the_providers_of_its_items(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(numbers=12, **UNCACHED)
    seen: list[str] = []
    probes = 0
    after = None
    while True:
        gw.reset_counts()
        conn = (await gw.data(PAGE, first=8, after=after))["phoneNumbers"]
        providers = {n["provider"] for n in conn["nodes"]}
        extra = asked(gw) - providers
        # Beside its own providers, a page asks at most the last one: once, when a page
        # ends with a provider's last item and no later length is known (hasNextPage).
        assert extra <= {PROVIDER_ORDER[-1].name}, (len(seen), conn["nodes"])
        probes += len(extra)
        assert providers <= asked(gw)
        seen += [f"{n['provider']}:{n['number']}" for n in conn["nodes"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 12 * len(PROVIDER_ORDER)
    assert probes <= 1


async def test_without_remembered_lengths_a_page_asks_what_its_guess_reaches(
    gateway_factory: GatewayFactory,
) -> None:
    gw = await gateway_factory(list_length_seconds=0, **UNCACHED)
    for _ in range(2):
        gw.reset_counts()
        await gw.data(PAGE, first=10)
        assert asked(gw) == {PROVIDER_ORDER[0].name}
    # Burki holds 25: its read shows the guess was wrong, and then every list the page
    # may still reach is asked at once (a second round, not one round per list).
    gw.reset_counts()
    conn = (await gw.data(PAGE, first=30))["phoneNumbers"]
    assert {n["provider"] for n in conn["nodes"]} == {p.name for p in PROVIDER_ORDER[:2]}
    assert asked(gw) == {p.name for p in PROVIDER_ORDER}


LATENCY_MS = 200
WIDE = "{ phoneNumbers(first: 100) { nodes { id } } }"


async def test_a_page_over_unknown_lists_takes_two_rounds_at_most_then_one(
    gateway_factory: GatewayFactory,
) -> None:
    """By the emulators' own clocks: a page spanning every list, none of them read yet,
    asks Burki (its guess: one upstream page fills it) and then all the others at once;
    once the lengths are known, and still after a write expired them, all in one round."""
    gw: Gateway = await gateway_factory(numbers=3, **UNCACHED)
    for name in PROVIDER_ORDER:
        gw.fault(name, latency_ms=LATENCY_MS)

    async def rounds() -> list[list[float]]:
        for name in PROVIDER_ORDER:
            gw.emulators[name].state.control.arrivals.clear()
        gw.reset_counts()
        nodes = (await gw.data(WIDE))["phoneNumbers"]["nodes"]
        assert len(nodes) == 3 * len(PROVIDER_ORDER)
        assert asked(gw) == {p.name for p in PROVIDER_ORDER}
        return gw.upstream_rounds(LATENCY_MS)

    assert len(await rounds()) == 2
    assert len(await rounds()) == 1
    await gw.app.state.runtime.invalidate(PROVIDER_ORDER[0])  # what every write ends with
    assert len(await rounds()) == 1


async def test_a_probe_that_finds_the_last_list_empty_asks_the_others_at_once() -> None:
    """A first page that Burki fills exactly, nothing else known: "is there more" goes to
    the farthest list, and when that one is empty, to all the others at once."""
    sizes = {p: 10 for p in PROVIDER_ORDER} | {PROVIDER_ORDER[-1]: 0}
    async with open_gateway(worlds_of(sizes, 7), **UNCACHED) as gw:
        for name in PROVIDER_ORDER:
            gw.fault(name, latency_ms=LATENCY_MS)
        conn = (await gw.data(PAGE, first=10))["phoneNumbers"]
        assert {n["provider"] for n in conn["nodes"]} == {PROVIDER_ORDER[0].name}
        assert conn["pageInfo"]["hasNextPage"] is True
        assert asked(gw) == {p.name for p in PROVIDER_ORDER}
        # Burki, then the probe of the last list, then the others together.
        assert [len(r) for r in gw.upstream_rounds(LATENCY_MS)][:2] == [1, 1]
        assert len(gw.upstream_rounds(LATENCY_MS)) == 3


async def stale_walk(
    before: dict[ProviderName, EmulatorConfig],
    after: dict[ProviderName, EmulatorConfig],
    flt: Any,
    size: int,
) -> None:
    """Learn every length from ``before``, restart the emulators with ``after``'s worlds,
    then walk forward: exactly ``after``'s list, each item once."""
    async with open_gateway(before, **UNCACHED) as gw:
        cursor = None
        while True:
            conn = (await gw.data(PAGE, first=size, after=cursor, filter=flt))["phoneNumbers"]
            if not conn["pageInfo"]["hasNextPage"]:
                break
            cursor = conn["pageInfo"]["endCursor"]
        for provider, config in after.items():
            gw.restart(provider, config)
        seen: list[str] = []
        cursor = None
        while True:
            conn = (await gw.data(PAGE, first=size, after=cursor, filter=flt))["phoneNumbers"]
            page = [f"{n['provider']}:{n['number']}" for n in conn["nodes"]]
            # A length that says "more" where the lists emptied costs an empty last page.
            assert page or not conn["pageInfo"]["hasNextPage"]
            seen += page
            if not conn["pageInfo"]["hasNextPage"]:
                break
            cursor = conn["pageInfo"]["endCursor"]
        assert len(seen) == len(set(seen)), "duplicates across pages"
        assert set(seen) == expected(after, flt), "gaps or strangers across pages"


test_stale_lengths_never_cost_or_repeat_an_item = world_change_test(stale_walk, 30)
