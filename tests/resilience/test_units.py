"""The building blocks on their own: breaker, retry timing and budget, cache, deadline."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from gateway.config import ConfigError, ProviderSettings, Settings, load_settings
from gateway.errors import UpstreamHTTPError
from gateway.model import ProviderName
from gateway.resilience import (
    BreakerState,
    CircuitBreaker,
    Coalescer,
    FailureMemory,
    MemoryCache,
    ResilienceSettings,
    RetryBudget,
    SlidingCounter,
    credential_fingerprint,
    current_deadline,
    deadline_scope,
    full_jitter,
    parse_retry_after,
    request_key,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- sliding window ------------------------------------------------------------------------


def test_sliding_counter_forgets_old_events() -> None:
    clock = FakeClock()
    counter = SlidingCounter(10, clock=clock)
    counter.add(3)
    clock.advance(5)
    counter.add(2)
    assert counter.total() == 5
    clock.advance(6)  # the first three are now older than 10 s
    assert counter.total() == 2
    clock.advance(10)
    assert counter.total() == 0


# -- circuit breaker -----------------------------------------------------------------------


def breaker(clock: FakeClock, **kwargs: object) -> CircuitBreaker:
    options = {"window_seconds": 10, "min_calls": 4, "failure_rate": 0.5, "cooldown_seconds": 5}
    return CircuitBreaker(**{**options, **kwargs}, clock=clock)  # type: ignore[arg-type]


def attempt(b: CircuitBreaker, ok: bool | None) -> bool:
    ticket = b.acquire()
    if ticket is None:
        return False
    b.record(ticket, ok)
    return True


def test_breaker_needs_min_calls_and_the_failure_rate() -> None:
    clock = FakeClock()
    b = breaker(clock)
    for _ in range(3):
        attempt(b, False)
    assert b.state is BreakerState.CLOSED  # 3 failures < min_calls
    attempt(b, False)
    assert b.state is BreakerState.OPEN
    b2 = breaker(clock)
    for ok in (True, True, True, False, False):
        attempt(b2, ok)
    assert b2.state is BreakerState.CLOSED  # 2 of 5 failed: below 50 %
    attempt(b2, False)
    assert b2.state is BreakerState.OPEN  # 3 of 6


def test_breaker_window_slides() -> None:
    clock = FakeClock()
    b = breaker(clock)
    for _ in range(3):
        attempt(b, False)
    clock.advance(11)  # those failures leave the window
    attempt(b, False)
    assert b.state is BreakerState.CLOSED
    assert b.failure_counts() == (1, 1)


def test_breaker_opens_on_a_streak_of_failures_below_min_calls() -> None:
    clock = FakeClock()
    b = breaker(clock, min_calls=10, consecutive_failures=3)
    attempt(b, False)
    attempt(b, False)
    attempt(b, True)  # a success ends the streak
    attempt(b, False)
    attempt(b, False)
    assert b.state is BreakerState.CLOSED
    clock.advance(11)  # a streak older than the window is no streak
    attempt(b, False)
    attempt(b, False)
    assert b.state is BreakerState.CLOSED
    attempt(b, False)
    assert b.state is BreakerState.OPEN
    off = breaker(clock, min_calls=10, consecutive_failures=0)
    for _ in range(9):
        attempt(off, False)
    assert off.state is BreakerState.CLOSED  # 0: only the rate rule


def test_failure_memory_forgets_after_its_ttl() -> None:
    clock = FakeClock()
    memory = FailureMemory(2, clock=clock, max_entries=2)
    error = UpstreamHTTPError(ProviderName.FLIREO, "upstream returned HTTP 404", status=404)
    memory.remember("a", error)
    assert memory.recall("a") is error
    clock.advance(2)
    assert memory.recall("a") is None
    assert len(memory) == 0
    for key in ("a", "b", "c"):
        memory.remember(key, error)
    assert memory.recall("a") is None
    assert len(memory) == 2  # bounded: the oldest goes
    FailureMemory(0, clock=clock).remember("a", error)  # 0: remembers nothing


def test_open_breaker_fails_fast_then_probes() -> None:
    clock = FakeClock()
    changes: list[tuple[BreakerState, BreakerState]] = []
    b = breaker(clock, on_change=lambda old, new: changes.append((old, new)))
    for _ in range(4):
        attempt(b, False)
    assert b.acquire() is None
    clock.advance(5)
    assert b.state is BreakerState.HALF_OPEN
    probe = b.acquire()
    assert probe is not None
    assert probe.probe
    assert b.acquire() is None  # one probe at a time
    b.record(probe, True)
    assert b.state is BreakerState.CLOSED
    assert b.failure_counts() == (0, 0)  # a fresh window
    assert changes == [
        (BreakerState.CLOSED, BreakerState.OPEN),
        (BreakerState.OPEN, BreakerState.HALF_OPEN),
        (BreakerState.HALF_OPEN, BreakerState.CLOSED),
    ]


def test_failed_probe_reopens_and_abandoned_probe_frees_its_slot() -> None:
    clock = FakeClock()
    b = breaker(clock)
    for _ in range(4):
        attempt(b, False)
    clock.advance(5)
    probe = b.acquire()
    assert probe is not None
    b.record(probe, None)  # cancelled: no verdict, but the slot is free again
    assert b.state is BreakerState.HALF_OPEN
    probe = b.acquire()
    assert probe is not None
    b.record(probe, False)
    assert b.state is BreakerState.OPEN
    assert b.acquire() is None
    clock.advance(4.9)
    assert b.state is BreakerState.OPEN  # a full cooldown again


def test_outcomes_from_before_a_transition_are_ignored() -> None:
    clock = FakeClock()
    b = breaker(clock)
    slow = b.acquire()  # let in while closed, answers much later
    assert slow is not None
    for _ in range(4):
        attempt(b, False)
    clock.advance(5)
    assert b.state is BreakerState.HALF_OPEN
    b.record(slow, True)  # must not close the breaker: it was no probe
    assert b.state is BreakerState.HALF_OPEN


# -- retry timing and budget -----------------------------------------------------------------


def test_full_jitter_stays_within_the_exponential_ceiling() -> None:
    rng = random.Random(7)
    for attempt_no, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (10, 2.0)]:
        waits = [full_jitter(attempt_no, 0.1, 2.0, rng) for _ in range(200)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > ceiling * 0.8  # spread over the whole range
        assert min(waits) < ceiling * 0.2


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == (
        30.0
    )
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_retry_budget_allows_a_floor_plus_a_ratio_of_calls() -> None:
    clock = FakeClock()
    budget = RetryBudget(ratio=0.2, min_retries=2, window_seconds=10, clock=clock)
    for _ in range(10):
        budget.record_call()
    granted = sum(budget.try_spend() for _ in range(20))
    assert granted == 2 + 2  # the floor plus 20 % of 10 calls
    clock.advance(11)
    assert budget.try_spend()  # a new window


# -- cache ---------------------------------------------------------------------------------


async def test_memory_cache_ttl() -> None:
    clock = FakeClock()
    cache = MemoryCache(clock=clock)
    await cache.set("k", b"v", 5)
    assert await cache.get("k") == b"v"
    clock.advance(5)
    assert await cache.get("k") is None
    assert len(cache) == 0
    await cache.set("k", b"v", 0)  # a zero TTL stores nothing
    assert await cache.get("k") is None


async def test_memory_cache_is_bounded_lru() -> None:
    cache = MemoryCache(max_entries=2, max_bytes=10)
    await cache.set("a", b"1", 60)
    await cache.set("b", b"2", 60)
    assert await cache.get("a") == b"1"  # a is now the most recently used
    await cache.set("c", b"3", 60)
    assert await cache.get("b") is None
    assert await cache.get("a") == b"1"
    await cache.set("big", b"x" * 11, 60)  # larger than the whole cache: not stored
    assert await cache.get("big") is None
    await cache.set("d", b"x" * 9, 60)  # evicts until the bytes fit
    assert cache.size_bytes <= 10
    assert await cache.get("d") == b"x" * 9


def test_keys_differ_by_everything_that_changes_a_response_and_hold_no_secret() -> None:
    secret = "sk-very-secret"
    cred = credential_fingerprint({"Authorization": f"Bearer {secret}"})
    base: dict[str, Any] = {
        "provider": "flireo",
        "base_url": "https://api.example",
        "credentials": cred,
        "method": "GET",
        "path": "/v1/x",
        "params": {"limit": 10, "offset": 0},
    }
    key = request_key(**base)
    assert secret not in key
    assert secret not in cred
    assert key == request_key(**{**base, "params": {"offset": 0, "limit": 10}})
    variants: list[dict[str, Any]] = [
        {"provider": "teli"},
        {"base_url": "https://other.example"},
        {"credentials": credential_fingerprint({"Authorization": "Bearer other"})},
        {"path": "/v1/y"},
        {"params": {"limit": 10, "offset": 10}},
        {"method": "HEAD"},
        {"generation": 1},
    ]
    for change in variants:
        assert request_key(**{**base, **change}) != key, change


# -- coalescing and deadlines --------------------------------------------------------------


async def test_coalescer_shares_one_call_and_its_failure() -> None:
    calls = 0

    async def work(_: object) -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        return 42

    coalescer: Coalescer[int] = Coalescer()
    results = await asyncio.gather(*(coalescer.run("k", work) for _ in range(5)))
    assert calls == 1
    assert [r for r, _ in results] == [42] * 5
    assert sum(joined for _, joined in results) == 4
    assert len(coalescer) == 0

    async def boom(_: object) -> int:
        await asyncio.sleep(0.01)
        raise ValueError("shared failure")

    outcomes = await asyncio.gather(
        *(coalescer.run("k", boom) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(o, ValueError) for o in outcomes)


async def test_deadline_scope_nests_and_resets() -> None:
    assert current_deadline() is None
    with deadline_scope(5) as outer:
        assert outer is not None
        assert 4.9 < outer.remaining() <= 5
        with deadline_scope(60) as inner:
            assert inner is outer  # an inner scope never extends the outer deadline
        with deadline_scope(1) as inner:
            assert inner is not None
            assert inner.remaining() <= 1
        assert current_deadline() is outer
    assert current_deadline() is None


# -- settings --------------------------------------------------------------------------------


def test_provider_overrides_only_the_fields_it_sets() -> None:
    settings = Settings(
        demo=True,
        resilience=ResilienceSettings(max_attempts=5, cache_ttl_seconds=1),
        providers={
            ProviderName.TELI: ProviderSettings(resilience=ResilienceSettings(max_concurrency=2))
        },
    )
    teli = settings.resilience_for(ProviderName.TELI)
    burki = settings.resilience_for(ProviderName.BURKI)
    assert (teli.max_attempts, teli.cache_ttl_seconds, teli.max_concurrency) == (5, 1, 2)
    assert burki.max_concurrency == ResilienceSettings().max_concurrency
    assert settings.request_deadline_seconds == 10


def test_resilience_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_RESILIENCE__MAX_ATTEMPTS", "2")
    monkeypatch.setenv("SWITCHBOARD_REQUEST_DEADLINE_SECONDS", "3.5")
    settings = load_settings(demo=True)
    assert settings.resilience.max_attempts == 2
    assert settings.request_deadline_seconds == 3.5


def test_bad_resilience_settings_name_the_field() -> None:
    with pytest.raises(ConfigError, match=r"resilience\.max_attempts"):
        load_settings(demo=True, resilience={"max_attempts": 0})
    with pytest.raises(ConfigError, match=r"resilience\.nope"):
        load_settings(demo=True, resilience={"nope": 1})
