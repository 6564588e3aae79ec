"""Fault injection through the whole gateway: the emulators misbehave, the gateway copes.

Each test drives the real app over ASGI with every provider an emulator, injects faults
into one or several of them and counts the requests the emulators actually received.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import open_gateway

from .helpers import (
    ALL,
    BUTTER,
    FLIREO,
    FLIREO_NUMBERS,
    NUMBERS,
    TELI,
    errors,
    fast,
    providers,
    stopwatch,
)

# -- timeouts and the request deadline ---------------------------------------------------


async def test_slow_provider_times_out_within_the_request_deadline() -> None:
    async with open_gateway(**fast(), request_deadline_seconds=0.5) as gw:
        gw.fault(FLIREO, latency_ms=5000)
        with stopwatch() as watch:
            body = await gw.query(NUMBERS)
    assert watch.elapsed < 0.5 + 0.5, watch.elapsed  # the deadline, not the 5 s latency
    assert providers(body) == ALL - {"FLIREO"}  # partial data from the healthy four
    assert errors(body) == {("UPSTREAM_TIMEOUT", "flireo")}
    assert all("flireo" in e["message"] for e in body["errors"])


async def test_attempt_timeout_cuts_one_slow_call_and_is_not_retried() -> None:
    async with open_gateway(**fast(attempt_timeout_seconds=0.2), request_deadline_seconds=5) as gw:
        gw.fault(FLIREO, latency_ms=3000)
        with stopwatch() as watch:
            body = await gw.query(NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 1  # a slow upstream is not asked again
    assert watch.elapsed < 0.2 + 0.8, watch.elapsed
    assert errors(body) == {("UPSTREAM_TIMEOUT", "flireo")}
    assert providers(body) == ALL - {"FLIREO"}


async def test_every_provider_slow_still_answers_by_the_deadline() -> None:
    async with open_gateway(**fast(), request_deadline_seconds=0.4) as gw:
        for provider in gw.emulators:
            gw.fault(provider, latency_ms=2000)
        with stopwatch() as watch:
            body = await gw.query(NUMBERS)
    assert watch.elapsed < 0.4 + 0.5, watch.elapsed
    assert body["data"]["phoneNumbers"]["nodes"] == []
    assert {code for code, _ in errors(body)} == {"UPSTREAM_TIMEOUT"}
    assert {provider for _, provider in errors(body)} == {p.lower() for p in ALL}


async def test_slow_but_in_time_provider_answers() -> None:
    async with open_gateway(**fast(), request_deadline_seconds=2) as gw:
        gw.fault(FLIREO, latency_ms=100)
        body = await gw.query(NUMBERS)
    assert "errors" not in body
    assert providers(body) == ALL


# -- 5xx ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_burst_of_5xx_is_retried_then_succeeds(status: int) -> None:
    async with open_gateway(**fast()) as gw:
        gw.fault(FLIREO, status=status, times=2)
        body = await gw.query(FLIREO_NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 3  # two failures, then the answer
    assert "errors" not in body
    assert len(body["data"]["phoneNumbers"]["nodes"]) == 4


async def test_persistent_503_gives_http_error_after_bounded_attempts() -> None:
    async with open_gateway(**fast(max_attempts=3)) as gw:
        gw.fault(FLIREO, status=503)
        body = await gw.query(NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 3
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "UPSTREAM_HTTP_ERROR",
        "provider": "flireo",
        "upstreamStatus": 503,
    }
    assert providers(body) == ALL - {"FLIREO"}
    assert "injected" not in json.dumps(body)  # the upstream body never reaches the client


async def test_500_is_not_retried() -> None:
    async with open_gateway(**fast()) as gw:
        gw.fault(FLIREO, status=500)
        body = await gw.query(FLIREO_NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 1
    assert errors(body) == {("UPSTREAM_HTTP_ERROR", "flireo")}


async def test_4xx_is_not_retried() -> None:
    async with open_gateway(**fast()) as gw:
        gw.fault(FLIREO, status=401)
        body = await gw.query(FLIREO_NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 1
    assert errors(body) == {("UPSTREAM_UNAUTHORIZED", "flireo")}


# -- 429 and Retry-After -----------------------------------------------------------------


async def test_429_retry_after_is_honoured() -> None:
    async with open_gateway(**fast(), request_deadline_seconds=3) as gw:
        gw.fault(FLIREO, status=429, retry_after=1, times=1)
        with stopwatch() as watch:
            body = await gw.query(FLIREO_NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 2
    assert "errors" not in body
    assert 1.0 <= watch.elapsed < 2.0, watch.elapsed  # waited what the upstream asked


async def test_retry_after_beyond_the_deadline_fails_fast_as_rate_limited() -> None:
    async with open_gateway(**fast(), request_deadline_seconds=2) as gw:
        gw.fault(FLIREO, status=429, retry_after=30)
        with stopwatch() as watch:
            body = await gw.query(NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 1  # no point waiting 30 s for a 2 s deadline
    assert watch.elapsed < 1.0, watch.elapsed  # failed at once, not at the deadline
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "RATE_LIMITED",
        "provider": "flireo",
        "upstreamStatus": 429,
    }
    assert providers(body) == ALL - {"FLIREO"}


async def test_persistent_429_is_rate_limited_after_bounded_attempts() -> None:
    async with open_gateway(**fast(max_attempts=3)) as gw:
        gw.fault(FLIREO, status=429, retry_after=0)
        body = await gw.query(FLIREO_NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 3
    assert errors(body) == {("RATE_LIMITED", "flireo")}


# -- bad bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["malformed", "wrong_shape"])
async def test_bad_bodies_are_bad_response_and_not_retried(fault: str) -> None:
    async with open_gateway(**fast()) as gw:
        gw.fault(FLIREO, **{fault: True})
        body = await gw.query(NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 1
    assert errors(body) == {("UPSTREAM_BAD_RESPONSE", "flireo")}
    assert providers(body) == ALL - {"FLIREO"}
    assert "not-a-list" not in json.dumps(body)


async def test_a_malformed_body_counts_against_the_provider() -> None:
    """Validated from the bytes or not, a body that is not JSON is a failed attempt: with
    the breaker opening at the first failure, the next page fails fast, unsent."""
    settings = fast(max_attempts=1, breaker_consecutive_failures=1, breaker_cooldown_seconds=60)
    async with open_gateway(**settings) as gw:
        gw.fault(FLIREO, malformed=True, times=1)
        first = await gw.query(FLIREO_NUMBERS)
        second = await gw.query(FLIREO_NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 1
    assert errors(first) == {("UPSTREAM_BAD_RESPONSE", "flireo")}
    assert errors(second) == {("UPSTREAM_UNAVAILABLE", "flireo")}


@pytest.mark.parametrize(("fault", "cached"), [("malformed", False), ("wrong_shape", True)])
async def test_a_malformed_body_is_never_cached(fault: str, *, cached: bool) -> None:
    """A body that is not JSON is not kept in the page cache: the next read asks again and
    gets the numbers. One of the wrong shape is an answer, kept as any answer is."""
    async with open_gateway(**fast(max_attempts=1, cache_ttl_seconds=60)) as gw:
        gw.fault(FLIREO, **{fault: True}, times=1)
        first = await gw.query(FLIREO_NUMBERS)
        second = await gw.query(FLIREO_NUMBERS)
        assert gw.upstream_requests()[FLIREO] == (1 if cached else 2)
    assert errors(first) == {("UPSTREAM_BAD_RESPONSE", "flireo")}
    assert ("errors" in second) is cached


# -- dropped connections -------------------------------------------------------------------


async def test_dropped_connection_is_retried() -> None:
    async with open_gateway(**fast()) as gw:
        gw.fault(FLIREO, drop=True, times=1)
        body = await gw.query(FLIREO_NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 2
    assert "errors" not in body


async def test_connection_that_keeps_dropping_is_unavailable() -> None:
    async with open_gateway(**fast(max_attempts=3)) as gw:
        gw.fault(FLIREO, drop=True)
        body = await gw.query(NUMBERS)
        assert gw.upstream_requests()[FLIREO] == 3
    assert errors(body) == {("UPSTREAM_UNAVAILABLE", "flireo")}
    assert providers(body) == ALL - {"FLIREO"}


# -- several at once ---------------------------------------------------------------------


async def test_several_providers_failing_at_once() -> None:
    async with open_gateway(**fast(max_attempts=2), request_deadline_seconds=0.8) as gw:
        gw.fault(FLIREO, status=503)
        gw.fault(TELI, latency_ms=5000)
        gw.fault(BUTTER, malformed=True)
        with stopwatch() as watch:
            body = await gw.query(NUMBERS)
        counts = gw.upstream_requests()
    assert watch.elapsed < 0.8 + 0.5, watch.elapsed
    assert providers(body) == ALL - {FLIREO.name, TELI.name, BUTTER.name}
    assert errors(body) == {
        ("UPSTREAM_HTTP_ERROR", "flireo"),
        ("UPSTREAM_TIMEOUT", "teli"),
        ("UPSTREAM_BAD_RESPONSE", "butter"),
    }
    assert counts[FLIREO] == 2
    assert counts[BUTTER] == 1
