"""The upstream client on its own, against a real emulator: writes, keys, cache scope."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from gateway.demo import demo_provider_settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.emulators.common import Fault
from gateway.errors import UpstreamHTTPError, UpstreamTimeout, UpstreamUnauthorized
from gateway.providers import adapter_class
from gateway.resilience import MemoryCache, ResilienceSettings, deadline_scope
from gateway.upstream import Answer, Attempt, Layer, UpstreamClient

from .helpers import FLIREO

PATH = "/v1/phone-numbers"
WRITE = "/v1/assistants/nope/phone-number"
# These tests count attempts: no streak-opened breaker and no failure memory in the way
# (tests/resilience/test_hanging_upstream.py covers both).
POLICY = ResilienceSettings(
    backoff_base_seconds=0.001,
    cache_ttl_seconds=30,
    breaker_consecutive_failures=0,
    failure_memory_seconds=0,
)

Factory = Callable[..., UpstreamClient]


@pytest.fixture
async def flireo() -> AsyncIterator[tuple[Any, Factory]]:
    app = create_emulator(FLIREO, EmulatorConfig(numbers=3))
    async with AsyncExitStack() as stack:

        def make(*, api_key: str | None = None, **kwargs: Any) -> UpstreamClient:
            settings = demo_provider_settings(FLIREO)
            if api_key is not None:
                settings = settings.model_copy(update={"api_key": api_key})
            headers = adapter_class(FLIREO).auth.headers(settings)
            transport = httpx.ASGITransport(app=app)
            client = UpstreamClient(FLIREO, settings, headers, transport=transport, **kwargs)
            stack.push_async_callback(client.aclose)
            return client

        yield app, make


def sent(app: Any) -> int:
    return int(app.state.control.requests.total())


async def test_writes_are_sent_once_unless_flagged_idempotent(flireo: Any) -> None:
    app, make = flireo
    client = make(policy=POLICY)
    app.state.control.faults.append(Fault(status=503))
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        with pytest.raises(UpstreamHTTPError):
            await client.request_json(method, WRITE, json_body={"x": 1})
    assert sent(app) == 4  # one each
    with pytest.raises(UpstreamHTTPError):
        await client.request_json("PUT", WRITE, json_body={"x": 1}, idempotent=True)
    assert sent(app) == 4 + 3
    with pytest.raises(UpstreamHTTPError):
        await client.get_json(PATH)
    assert sent(app) == 4 + 3 + 3


async def test_cache_is_scoped_by_credentials(flireo: Any) -> None:
    app, make = flireo
    cache = MemoryCache()
    good = make(policy=POLICY, cache=cache)
    other = make(policy=POLICY, cache=cache, api_key="someone-elses-key")
    first = await good.get_json(PATH, {"limit": 5})
    assert await good.get_json(PATH, {"limit": 5}) == first
    assert sent(app) == 1
    assert good.stats.cache_hits == 1
    # Same URL and parameters, other credentials: never the first caller's cached page.
    with pytest.raises(UpstreamUnauthorized):
        await other.get_json(PATH, {"limit": 5})
    assert sent(app) == 2
    # Other parameters: another page.
    await good.get_json(PATH, {"limit": 2})
    assert sent(app) == 3


async def test_a_write_invalidates_cached_reads(flireo: Any) -> None:
    app, make = flireo
    client = make(policy=POLICY, cache=MemoryCache())
    await client.get_json(PATH)
    await client.get_json(PATH)
    assert sent(app) == 1
    with pytest.raises(UpstreamHTTPError):
        await client.request_json("POST", WRITE, json_body={})
    await client.get_json(PATH)
    assert sent(app) == 3  # the read after the write went upstream
    await client.get_json(PATH)
    with pytest.raises(UpstreamHTTPError):  # a write flagged idempotent invalidates too
        await client.request_json("PUT", WRITE, json_body={}, idempotent=True)
    await client.get_json(PATH)
    assert sent(app) == 5


async def test_a_read_sent_by_post_is_a_read(flireo: Any) -> None:
    """``read=True``: retried like a GET, and no write: cached reads stay fresh."""
    app, make = flireo
    client = make(policy=POLICY, cache=MemoryCache())
    await client.get_json(PATH)
    app.state.control.faults.append(Fault(status=503))
    with pytest.raises(UpstreamHTTPError):
        await client.request_json("POST", WRITE, json_body={"q": 1}, read=True)
    assert sent(app) == 1 + 3  # retried
    app.state.control.faults.clear()
    await client.get_json(PATH)
    assert sent(app) == 4  # still the cached page: nothing was written


async def test_cached_values_are_independent_copies(flireo: Any) -> None:
    _, make = flireo
    client = make(policy=POLICY, cache=MemoryCache())
    first = await client.get_json(PATH)
    first["data"].clear()  # a caller that mutates what it got
    again = await client.get_json(PATH)
    assert again["data"], "the cache handed out a shared object"


async def test_coalesced_callers_get_their_own_objects(flireo: Any) -> None:
    app, make = flireo
    app.state.control.faults.append(Fault(latency_ms=50))
    client = make(policy=POLICY.model_copy(update={"cache_ttl_seconds": 0}))
    results = await asyncio.gather(*(client.get_json(PATH) for _ in range(10)))
    assert sent(app) == 1
    assert client.stats.coalesced == 9
    assert all(r == results[0] for r in results)
    assert len({id(r) for r in results}) == 10


async def test_one_caller_timing_out_does_not_cancel_the_shared_call(flireo: Any) -> None:
    app, make = flireo
    app.state.control.faults.append(Fault(latency_ms=200, times=1))
    client = make(policy=POLICY.model_copy(update={"cache_ttl_seconds": 0}))

    async def impatient() -> Any:
        with deadline_scope(0.05):
            return await client.get_json(PATH)

    async def patient() -> Any:
        await asyncio.sleep(0)  # joins the impatient caller's call
        return await client.get_json(PATH)

    answers: tuple[Any | BaseException, Any | BaseException] = await asyncio.gather(
        impatient(), patient(), return_exceptions=True
    )
    early, late = answers
    assert isinstance(early, UpstreamTimeout)
    assert isinstance(late, dict)
    assert late["data"]
    assert sent(app) == 1


async def test_concurrency_cap_limits_calls_in_flight(flireo: Any) -> None:
    app, make = flireo
    app.state.control.faults.append(Fault(latency_ms=50))
    client = make(policy=ResilienceSettings(max_concurrency=2, coalesce=False))
    in_flight = peak = 0

    class Watch(Layer):
        async def send(self, attempt: Attempt) -> Answer:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await self.inner.send(attempt)
            finally:
                in_flight -= 1

    client.add_observer(lambda inner, _context: Watch(inner))  # what reaches the network
    await asyncio.gather(*(client.get_json(PATH, {"limit": i + 1}) for i in range(8)))
    assert sent(app) == 8
    assert peak == 2


async def test_deadline_already_passed_sends_nothing(flireo: Any) -> None:
    app, make = flireo
    client = make(policy=POLICY)
    with deadline_scope(0.0), pytest.raises(UpstreamTimeout):
        await client.get_json(PATH)
    assert sent(app) == 0
