"""Each layer of the upstream stack on its own, over a tiny scripted inner transport.

Time is injected (the retry layer's sleep and budget clock, the breaker's clock) or
bounded by events; no test asserts on wall-clock time.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from gateway.errors import (
    RateLimited,
    UpstreamBadResponse,
    UpstreamHTTPError,
    UpstreamTimeout,
    UpstreamUnauthorized,
    UpstreamUnavailable,
)
from gateway.observability.metrics import Metrics, ObservedTransport
from gateway.resilience import (
    BreakerState,
    CallDeadline,
    CircuitBreaker,
    CircuitOpen,
    Deadline,
    ResilienceSettings,
)
from gateway.upstream import (
    PER_ATTEMPT_LAYERS,
    Answer,
    Attempt,
    AttemptFailed,
    Exchange,
    Layer,
    StackContext,
    UpstreamClient,
    compose,
)
from gateway.upstream.breaker import BreakerTransport, breaker_layer
from gateway.upstream.concurrency import ConcurrencyTransport
from gateway.upstream.httpx_network import HttpxNetwork
from gateway.upstream.network import environment_proxy
from gateway.upstream.response import ResponseTransport
from gateway.upstream.retry import RetryTransport
from gateway.upstream.timeout import AttemptTimeoutTransport
from tests.e2e.outage import FakeClock

from .helpers import FLIREO

URL = httpx.URL("https://flireo.test/v1/phone-numbers")
Outcome = Answer | AttemptFailed


def request(
    method: str = "GET", *, retryable: bool = True, seconds: float | None = None
) -> Attempt:
    deadline = CallDeadline(Deadline.after(seconds) if seconds is not None else None)
    exchange = Exchange(deadline, "/v1/phone-numbers", retryable=retryable)
    return Attempt(method, URL, (), b"", exchange, httpx.Timeout(5.0))


class Hop:
    """A stand-in network: sends nothing, closes nothing."""

    async def send(self, attempt: Attempt) -> Answer:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


class Scripted(Hop):
    """Answers (or fails) each attempt as scripted; the last outcome repeats."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def send(self, _attempt: Attempt) -> Answer:
        outcome = self.outcomes[min(self.calls, len(self.outcomes) - 1)]
        self.calls += 1
        if isinstance(outcome, AttemptFailed):
            raise outcome
        return outcome


def failed(status: int, *, transient: bool = True, retry_after: float | None = None) -> Any:
    error = UpstreamHTTPError(FLIREO, f"HTTP {status}", status=status)
    return AttemptFailed(error, transient=transient, retry_after=retry_after)


OK = Answer(200, [(b"content-type", b"application/json")], b'{"data":[]}')


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def context(clock: FakeClock | None = None, **policy: Any) -> tuple[StackContext, Sleeps]:
    sleeps = Sleeps()
    ctx = StackContext(
        FLIREO,
        ResilienceSettings(**policy),
        rng=random.Random(7),
        sleep=sleeps,
        clock=clock or FakeClock(),
    )
    return ctx, sleeps


# -- retry ---------------------------------------------------------------------------------


async def test_retry_repeats_transient_failures_with_backoff_then_answers() -> None:
    ctx, sleeps = context(max_attempts=3, backoff_base_seconds=0.1, backoff_max_seconds=1)
    inner = Scripted(failed(503), failed(502), OK)
    response = await RetryTransport(inner, ctx).send(request())
    assert response.status == 200
    assert inner.calls == 3
    assert ctx.stats.retries == 2
    assert len(sleeps.waits) == 2
    assert 0 <= sleeps.waits[0] <= 0.1
    assert 0 <= sleeps.waits[1] <= 0.2  # full jitter


async def test_retry_gives_up_after_max_attempts_with_the_last_failure() -> None:
    ctx, _ = context(max_attempts=2)
    inner = Scripted(failed(503))
    with pytest.raises(AttemptFailed) as err:
        await RetryTransport(inner, ctx).send(request())
    assert inner.calls == 2
    assert err.value.error.status == 503


@pytest.mark.parametrize(
    ("outcome", "retryable"),
    [(failed(500, transient=False), True), (failed(503), False)],
    ids=["not-transient", "write"],
)
async def test_retry_sends_once_what_may_not_be_repeated(outcome: Any, retryable: bool) -> None:
    ctx, sleeps = context()
    inner = Scripted(outcome)
    with pytest.raises(AttemptFailed):
        await RetryTransport(inner, ctx).send(request(retryable=retryable))
    assert inner.calls == 1
    assert sleeps.waits == []


async def test_retry_waits_retry_after_unless_it_passes_the_deadline() -> None:
    ctx, sleeps = context()
    layer = RetryTransport(Scripted(failed(429, retry_after=1.5), OK), ctx)
    assert (await layer.send(request(seconds=60))).status == 200
    assert sleeps.waits == [1.5]
    inner = Scripted(failed(429, retry_after=30))
    with pytest.raises(AttemptFailed):
        await RetryTransport(inner, ctx).send(request(seconds=10))
    assert inner.calls == 1
    assert ctx.stats.retries_denied == 1


async def test_retry_budget_caps_retries_per_window() -> None:
    clock = FakeClock()
    ctx, _ = context(
        clock,
        max_attempts=2,
        retry_budget_min_retries=1,
        retry_budget_ratio=0,
        retry_budget_window_seconds=10,
    )
    layer = RetryTransport(Scripted(failed(503)), ctx)
    for _ in range(3):
        with pytest.raises(AttemptFailed):
            await layer.send(request())
    assert (ctx.stats.retries, ctx.stats.retries_denied) == (1, 2)
    clock.advance(11)  # the window has moved on: one retry again
    with pytest.raises(AttemptFailed):
        await layer.send(request())
    assert ctx.stats.retries == 2


async def test_retry_sends_nothing_once_the_deadline_has_passed() -> None:
    ctx, _ = context()
    inner = Scripted(OK)
    with pytest.raises(AttemptFailed) as err:
        await RetryTransport(inner, ctx).send(request(seconds=0))
    assert inner.calls == 0
    assert isinstance(err.value.error, UpstreamTimeout)
    assert err.value.healthy is None


# -- breaker -------------------------------------------------------------------------------


def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(consecutive_failures=2, cooldown_seconds=5, clock=clock)


async def test_breaker_opens_on_failures_fails_fast_and_closes_through_a_probe() -> None:
    clock = FakeClock()
    ctx, _ = context(clock)
    b = breaker(clock)
    inner = Scripted(failed(503), failed(503), OK)
    layer = BreakerTransport(inner, b, ctx)
    for _ in range(2):
        with pytest.raises(AttemptFailed):
            await layer.send(request())
    assert b.state is BreakerState.OPEN
    with pytest.raises(AttemptFailed) as err:
        await layer.send(request())
    assert isinstance(err.value.error, CircuitOpen)
    assert not err.value.memorable
    assert inner.calls == 2
    assert ctx.stats.short_circuited == 1
    clock.advance(5)
    assert (await layer.send(request())).status == 200
    assert b.state is BreakerState.CLOSED


async def test_breaker_ignores_rate_limits_and_cancelled_attempts() -> None:
    clock = FakeClock()
    ctx, _ = context(clock)
    b = breaker(clock)
    limited = AttemptFailed(RateLimited(FLIREO, "slow down"), transient=True)
    layer = BreakerTransport(Scripted(limited), b, ctx)
    for _ in range(3):
        with pytest.raises(AttemptFailed):
            await layer.send(request())

    class Hangs(Hop):
        async def send(self, _attempt: Attempt) -> Answer:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    hanging = asyncio.create_task(BreakerTransport(Hangs(), b, ctx).send(request()))
    await asyncio.sleep(0)
    hanging.cancel()
    with pytest.raises(asyncio.CancelledError):
        await hanging
    assert b.state is BreakerState.CLOSED
    assert b.failure_counts() == (0, 0)


def test_breaker_layer_is_left_out_without_a_breaker() -> None:
    ctx, _ = context()
    inner = Scripted(OK)
    assert breaker_layer(inner, ctx) is inner


# -- attempt timeout -----------------------------------------------------------------------


class Hang(Hop):
    """Never answers; ``sent`` says whether it got as far as the network first."""

    def __init__(self, *, sent: bool) -> None:
        self.sent = sent

    async def send(self, attempt: Attempt) -> Answer:
        attempt.exchange.sent = self.sent
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("sent", "message", "healthy"),
    [(True, "upstream call timed out", False), (False, "no free upstream connection", None)],
    ids=["slow-upstream", "queued"],
)
async def test_attempt_timeout_tells_a_slow_upstream_from_a_wait_for_a_slot(
    sent: bool, message: str, healthy: bool | None
) -> None:
    layer = AttemptTimeoutTransport(Hang(sent=sent), 0.01, FLIREO)
    with pytest.raises(AttemptFailed) as err:
        await layer.send(request())
    assert isinstance(err.value.error, UpstreamTimeout)
    assert message in err.value.error.message
    assert err.value.healthy is healthy
    assert not err.value.transient


async def test_attempt_timeout_ends_at_the_call_deadline() -> None:
    layer = AttemptTimeoutTransport(Hang(sent=True), 3600, FLIREO)
    with pytest.raises(AttemptFailed) as err:
        await layer.send(request(seconds=0.01))
    assert isinstance(err.value.error, UpstreamTimeout)


# -- concurrency cap -----------------------------------------------------------------------


async def test_concurrency_cap_holds_attempts_beyond_the_limit() -> None:
    release = asyncio.Event()
    in_flight = peak = 0

    class Gate(Hop):
        async def send(self, _attempt: Attempt) -> Answer:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await release.wait()
            in_flight -= 1
            return OK

    layer = ConcurrencyTransport(Gate(), 2)
    tasks = [asyncio.create_task(layer.send(request())) for _ in range(5)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert in_flight == 2
    release.set()
    assert all(r.status == 200 for r in await asyncio.gather(*tasks))
    assert peak == 2


# -- response ------------------------------------------------------------------------------


def responding(
    handler: Callable[[httpx.Request], httpx.Response],
) -> tuple[ResponseTransport, StackContext]:
    ctx, _ = context()
    return ResponseTransport(HttpxNetwork(httpx.MockTransport(handler)), ctx), ctx


async def test_response_counts_the_attempt_and_parses_the_body() -> None:
    layer, ctx = responding(lambda _: httpx.Response(200, json={"data": [1]}))
    req = request()
    await layer.send(req)
    exchange = req.exchange
    assert exchange.sent
    assert exchange.payload == {"data": [1]}
    assert exchange.body
    assert ctx.stats.attempts == 1
    assert ctx.requests == {"/v1/phone-numbers": 1}


@pytest.mark.parametrize(
    ("answer", "error", "transient", "healthy"),
    [
        (httpx.Response(401), UpstreamUnauthorized, False, True),
        (httpx.Response(404), UpstreamHTTPError, False, True),
        (httpx.Response(500), UpstreamHTTPError, False, False),
        (httpx.Response(503), UpstreamHTTPError, True, False),
        (httpx.Response(429, headers={"Retry-After": "3"}), RateLimited, True, None),
        (httpx.Response(200, content=b"{not json"), UpstreamBadResponse, False, False),
        (httpx.ConnectError("refused"), UpstreamUnavailable, True, False),
        (httpx.ReadTimeout("slow"), UpstreamTimeout, False, False),
    ],
    ids=["401", "404", "500", "503", "429", "malformed", "refused", "read-timeout"],
)
async def test_response_turns_failures_into_typed_errors(
    answer: httpx.Response | Exception, error: type, transient: bool, healthy: bool | None
) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    layer, _ = responding(handler)
    with pytest.raises(AttemptFailed) as err:
        await layer.send(request())
    assert type(err.value.error) is error
    assert (err.value.transient, err.value.healthy) == (transient, healthy)
    if error is RateLimited:
        assert err.value.retry_after == 3


# -- observers -----------------------------------------------------------------------------


async def test_metrics_layer_counts_each_attempt_by_status() -> None:
    metrics = Metrics(process=False)
    network = HttpxNetwork(httpx.MockTransport(lambda _: httpx.Response(503)))
    layer = ObservedTransport(network, FLIREO, metrics)
    for _ in range(2):
        await layer.send(request())
    sample = metrics.registry.get_sample_value(
        "switchboard_upstream_requests_total",
        {"tenant": "", "provider": "flireo", "status": "503"},
    )
    assert sample == 2


async def test_tracing_layer_opens_one_client_span_per_attempt() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from gateway.observability.tracing import TracingTransport

    exporter = InMemorySpanExporter()
    otel = TracerProvider()
    otel.add_span_processor(SimpleSpanProcessor(exporter))
    answer = HttpxNetwork(httpx.MockTransport(lambda _: httpx.Response(502)))
    layer = TracingTransport(answer, FLIREO.value, otel)
    for _ in range(2):
        await layer.send(request())
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["upstream flireo GET"] * 2
    assert all(s.attributes and s.attributes["http.response.status_code"] == 502 for s in spans)


# -- the stack -----------------------------------------------------------------------------


async def test_the_order_of_the_layers_is_the_list_given() -> None:
    seen: list[str] = []

    def named(name: str) -> Any:
        class Named(Layer):
            async def send(self, attempt: Attempt) -> Answer:
                seen.append(name)
                return await self.inner.send(attempt)

        return lambda inner, _context: Named(inner)

    ctx, _ = context()
    stack = compose(Scripted(OK), [named("outer"), named("middle"), named("inner")], ctx)
    await stack.send(request())
    assert seen == ["outer", "middle", "inner"]


async def test_a_client_over_other_layers_and_observers_added_before_the_first_call() -> None:
    from gateway.demo import demo_provider_settings

    sent: list[str] = []

    class Record(Layer):
        async def send(self, attempt: Attempt) -> Answer:
            sent.append(attempt.url.path)
            return await self.inner.send(attempt)

    network = httpx.MockTransport(lambda _: httpx.Response(503))
    client = UpstreamClient(
        FLIREO,
        demo_provider_settings(FLIREO),
        {},
        transport=network,
        policy=ResilienceSettings(max_attempts=3, backoff_base_seconds=0),
        layers=PER_ATTEMPT_LAYERS[1:],  # no retry layer: one attempt, whatever the policy
    )
    client.add_observer(lambda inner, _context: Record(inner))
    with pytest.raises(UpstreamHTTPError):
        await client.get_json("/v1/phone-numbers")
    assert sent == ["/v1/phone-numbers"]
    assert client.stats.attempts == 1
    with pytest.raises(RuntimeError):
        client.add_observer(lambda inner, _context: Record(inner))
    await client.aclose()
    assert client.is_closed


def test_the_network_honours_the_environment_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    assert environment_proxy("https://api.flireo.test") is None
    monkeypatch.setenv("HTTPS_PROXY", "proxy.internal:3128")
    assert environment_proxy("https://api.flireo.test") == "http://proxy.internal:3128"
    assert environment_proxy("http://api.flireo.test") is None
    monkeypatch.setenv("NO_PROXY", "flireo.test")
    assert environment_proxy("https://api.flireo.test") is None
