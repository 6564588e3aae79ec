"""The circuit breaker and the retry budget, seen from outside: count upstream requests."""

from __future__ import annotations

import asyncio

from tests.e2e.conftest import open_gateway

from .helpers import ALL, FLIREO, FLIREO_NUMBERS, NUMBERS, errors, fast, providers

# A breaker that opens after 3 failed attempts and cools down for 1 s (long enough for
# the fail-fast checks to finish inside it on a busy machine).
QUICK_BREAKER = {
    "max_attempts": 1,
    "breaker_min_calls": 3,
    "breaker_failure_rate": 0.5,
    "breaker_window_seconds": 10,
    "breaker_cooldown_seconds": 1.0,
}
COOLDOWN = 1.05


async def test_breaker_opens_fails_fast_and_recovers_through_a_probe() -> None:
    async with open_gateway(**fast(**QUICK_BREAKER)) as gw:
        gw.fault(FLIREO, status=500)
        for _ in range(3):
            assert errors(await gw.query(NUMBERS)) == {("UPSTREAM_HTTP_ERROR", "flireo")}
        assert gw.upstream_requests()[FLIREO] == 3

        # Open: fail fast, without a request to the upstream, the others unaffected.
        for _ in range(3):
            body = await gw.query(NUMBERS)
            assert errors(body) == {("UPSTREAM_UNAVAILABLE", "flireo")}
            assert providers(body) == ALL - {"FLIREO"}
        assert gw.upstream_requests()[FLIREO] == 3

        # The upstream recovers; after the cooldown one probe goes through and closes it.
        gw.emulators[FLIREO].state.control.faults.clear()
        await asyncio.sleep(COOLDOWN)
        body = await gw.query(NUMBERS)
        assert "errors" not in body
        assert providers(body) == ALL
        assert gw.upstream_requests()[FLIREO] == 4
        for _ in range(3):
            assert "errors" not in await gw.query(FLIREO_NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 7


async def test_failed_probe_opens_the_breaker_again() -> None:
    async with open_gateway(**fast(**QUICK_BREAKER)) as gw:
        gw.fault(FLIREO, status=503)
        for _ in range(3):
            await gw.query(FLIREO_NUMBERS)
        await asyncio.sleep(COOLDOWN)
        # Half-open: one probe reaches the still-failing upstream and fails.
        assert errors(await gw.query(FLIREO_NUMBERS)) == {("UPSTREAM_HTTP_ERROR", "flireo")}
        assert gw.upstream_requests()[FLIREO] == 4
        # Open again: fail fast.
        assert errors(await gw.query(FLIREO_NUMBERS)) == {("UPSTREAM_UNAVAILABLE", "flireo")}
        assert gw.upstream_requests()[FLIREO] == 4


async def test_half_open_lets_one_probe_through_concurrent_requests() -> None:
    async with open_gateway(**fast(**QUICK_BREAKER, coalesce=False)) as gw:
        gw.fault(FLIREO, status=500)
        for _ in range(3):
            await gw.query(FLIREO_NUMBERS)
        gw.emulators[FLIREO].state.control.faults.clear()
        await asyncio.sleep(COOLDOWN)
        gw.fault(FLIREO, latency_ms=300)  # the probe takes a while
        gw.reset_counts()
        bodies = await asyncio.gather(*(gw.query(FLIREO_NUMBERS) for _ in range(10)))
        assert gw.upstream_requests()[FLIREO] == 1  # only the probe reached the upstream
    answered = [b for b in bodies if "errors" not in b]
    failed_fast = [b for b in bodies if "errors" in b]
    assert len(answered) == 1
    assert all(errors(b) == {("UPSTREAM_UNAVAILABLE", "flireo")} for b in failed_fast)


async def test_retry_budget_caps_retries_during_an_outage() -> None:
    # Breaker off, to see the budget alone: 2 + 10 % of the calls may be retried.
    settings = fast(
        max_attempts=3,
        breaker_enabled=False,
        retry_budget_min_retries=2,
        retry_budget_ratio=0.1,
    )
    async with open_gateway(**settings) as gw:
        gw.fault(FLIREO, status=503)
        for _ in range(20):
            assert errors(await gw.query(FLIREO_NUMBERS)) == {("UPSTREAM_HTTP_ERROR", "flireo")}
        sent = gw.upstream_requests()[FLIREO]
    # Without a budget: 20 calls x 3 attempts = 60 requests.
    assert 20 <= sent <= 20 + 2 + 2, sent


async def test_no_retry_storm_with_default_breaker_and_budget() -> None:
    # The failure memory off: it would answer the later calls before the breaker does.
    resilience = {"backoff_base_seconds": 0.01, "failure_memory_seconds": 0}
    async with open_gateway(numbers=4, resilience=resilience) as gw:
        gw.fault(FLIREO, status=503)
        for _ in range(30):
            body = await gw.query(FLIREO_NUMBERS)
            assert {code for code, _ in errors(body)} <= {
                "UPSTREAM_HTTP_ERROR",
                "UPSTREAM_UNAVAILABLE",
            }
        sent = gw.upstream_requests()[FLIREO]
        last = errors(body)
    # 30 calls x 3 attempts would be 90; the breaker opens after 10 failed attempts.
    assert sent <= 12, sent
    assert last == {("UPSTREAM_UNAVAILABLE", "flireo")}


async def test_rate_limits_do_not_open_the_breaker() -> None:
    async with open_gateway(**fast(**QUICK_BREAKER)) as gw:
        gw.fault(FLIREO, status=429, retry_after=0)
        for _ in range(5):
            assert errors(await gw.query(FLIREO_NUMBERS)) == {("RATE_LIMITED", "flireo")}
        assert gw.upstream_requests()[FLIREO] == 5  # each one asked: no fast failure
