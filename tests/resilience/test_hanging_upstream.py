"""An upstream that accepts and never answers, and endpoints that keep failing: the
breaker opens on consecutive timeouts, later pages fail fast, and a failed read is
remembered briefly instead of being asked again by every page. Time is a fake clock the
test moves (breaker cooldown, failure memory); nothing asserts on wall-clock time."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.emulators import EmulatorConfig
from gateway.model import PROVIDER_ORDER, ProviderName
from gateway.resilience import BreakerState
from tests.e2e.conftest import Gateway
from tests.e2e.outage import PAGE, FakeClock, keys, outage_gateway, recover

from .helpers import FLIREO, SYNTHFLOW

HANG = {"latency_ms": 10**8}  # accepted, never answered (within any test's life)
SYN_TELI = {"providers": ["SYNTHFLOW", "TELI"]}


def worlds(**sizes: int) -> dict[ProviderName, EmulatorConfig]:
    return {
        p: EmulatorConfig(seed=3 + i, numbers=sizes.get(p.name.lower(), 0), assistants=2)
        for i, p in enumerate(PROVIDER_ORDER)
    }


def codes(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["extensions"]["code"], e["extensions"]["provider"]) for e in body.get("errors", [])]


def runtime_client(gw: Gateway, provider: ProviderName) -> Any:
    return gw.app.state.runtime.clients[provider]


async def test_a_hanging_upstream_opens_the_breaker_and_later_pages_fail_fast() -> None:
    clock = FakeClock()
    settings = {
        "resilience": {
            "attempt_timeout_seconds": 0.05,
            "cache_ttl_seconds": 0,
            "failure_memory_seconds": 0,  # the breaker alone
            "breaker_consecutive_failures": 3,
            "breaker_cooldown_seconds": 10,
        }
    }
    async with outage_gateway(worlds(synthflow=7, teli=25), clock=clock, **settings) as gw:
        gw.fault(SYNTHFLOW, **HANG)
        breaker = runtime_client(gw, SYNTHFLOW).breaker
        seen: list[str] = []
        page_codes: list[list[tuple[str, str]]] = []
        asked: list[int] = []
        after = None
        for _ in range(6):
            body = await gw.query(PAGE, first=5, after=after, filter=SYN_TELI)
            conn = body["data"]["phoneNumbers"]
            seen += keys(conn)
            page_codes.append(codes(body))
            asked.append(gw.upstream_requests()[SYNTHFLOW])
            assert conn["pageInfo"]["hasNextPage"] is True  # Synthflow is still owed
            after = conn["pageInfo"]["endCursor"]
        # Three timeouts in a row, one request each; then open: no request, at once.
        assert (
            page_codes
            == [[("UPSTREAM_TIMEOUT", "synthflow")]] * 3
            + [[("UPSTREAM_UNAVAILABLE", "synthflow")]] * 3
        )
        assert asked == [1, 2, 3, 3, 3, 3]
        assert breaker.state is BreakerState.OPEN
        assert len(seen) == 25
        assert all(k.startswith("TELI") for k in seen)

        # Synthflow answers again; after the cooldown the next page's probe closes it
        # and the traversal picks up the numbers it skipped.
        recover(gw)
        clock.advance(10)
        body = await gw.query(PAGE, first=5, after=after, filter=SYN_TELI)
        assert "errors" not in body
        assert breaker.state is BreakerState.CLOSED
        conn = body["data"]["phoneNumbers"]
        seen += keys(conn)
        while conn["pageInfo"]["hasNextPage"]:
            body = await gw.query(
                PAGE, first=5, after=conn["pageInfo"]["endCursor"], filter=SYN_TELI
            )
            assert "errors" not in body
            conn = body["data"]["phoneNumbers"]
            seen += keys(conn)
    assert len(seen) == len(set(seen)) == 32


@pytest.mark.parametrize(
    ("fault", "code"),
    [({"status": 404}, "UPSTREAM_HTTP_ERROR"), (HANG, "UPSTREAM_TIMEOUT")],
    ids=["404", "hang"],
)
async def test_a_failed_read_is_remembered_briefly_not_asked_by_every_page(
    fault: dict[str, Any], code: str
) -> None:
    clock = FakeClock()
    settings = {
        "resilience": {
            "attempt_timeout_seconds": 0.05,
            "cache_ttl_seconds": 0,
            "failure_memory_seconds": 2,
        }
    }
    flt = {"providers": ["BURKI", "FLIREO"]}
    async with outage_gateway(worlds(burki=3, flireo=10), clock=clock, **settings) as gw:
        gw.fault(FLIREO, path_prefix="/v1/phone-numbers", **fault)
        after, asked = None, []
        for _ in range(3):  # Burki's 3 cannot fill a page of five: each page needs Flireo
            body = await gw.query(PAGE, first=5, after=after, filter=flt)
            assert codes(body) == [(code, "flireo")]
            after = body["data"]["phoneNumbers"]["pageInfo"]["endCursor"]
            asked.append(gw.upstream_requests()[FLIREO])
        # Page 1 asked Flireo (alongside Burki) and failed; pages 2-3 used the memory.
        assert asked == [1, 1, 1]
        assert runtime_client(gw, FLIREO).stats.remembered >= 1
        # Past the memory's life the endpoint is asked again.
        clock.advance(2)
        recover(gw)
        body = await gw.query(PAGE, first=100, after=after, filter=flt)
        assert "errors" not in body
        assert gw.upstream_requests()[FLIREO] == 2
        assert len(body["data"]["phoneNumbers"]["edges"]) == 10


async def test_failure_memory_off_asks_on_every_page() -> None:
    settings = {"resilience": {"cache_ttl_seconds": 0, "failure_memory_seconds": 0}}
    async with outage_gateway(worlds(flireo=10), clock=FakeClock(), **settings) as gw:
        gw.fault(FLIREO, status=404)
        for _ in range(3):
            body = await gw.query(PAGE, first=5, filter={"providers": ["FLIREO"]})
            assert codes(body) == [("UPSTREAM_HTTP_ERROR", "flireo")]
        assert gw.upstream_requests()[FLIREO] == 3
