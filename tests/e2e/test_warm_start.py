"""Warm starts (gateway/warm_start.py): a steady query's upstream pages are asked before
it executes, the same pages it would have asked, and a changed world still gets exactly
what its own reads say.

When each call went out is read from the OpenTelemetry spans the gateway records, by
their order (a span's start against the operation's span), not by how long anything took.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.app import create_app
from gateway.config import Settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.emulators.common import Fault
from gateway.model import PROVIDER_ORDER, ProviderName
from gateway.resilience import ResilienceSettings
from gateway.warm_start import WarmStarts

from .conftest import open_gateway
from .test_pagination_properties import world_change_test

QUERY = "query Numbers { phoneNumbers(first: 30) { nodes { id number assistant { name } } } }"


class Traced:
    def __init__(self, client: httpx.AsyncClient, exporter: InMemorySpanExporter) -> None:
        self.client = client
        self.exporter = exporter

    async def request(self, query: str = QUERY) -> tuple[dict[str, Any], list[ReadableSpan]]:
        """One query's response and the spans of its trace."""
        self.exporter.clear()
        response = await self.client.post("/graphql", json={"query": query})
        assert response.status_code == 200
        return response.json(), list(self.exporter.get_finished_spans())


@asynccontextmanager
async def traced_gateway(
    faults: dict[ProviderName, Fault] | None = None, **settings: Any
) -> AsyncIterator[Traced]:
    exporter = InMemorySpanExporter()
    otel = TracerProvider()
    otel.add_span_processor(SimpleSpanProcessor(exporter))
    emulators = {n: create_emulator(n, EmulatorConfig()) for n in PROVIDER_ORDER}
    for name, fault in (faults or {}).items():
        emulators[name].state.control.faults.append(fault)
    transports: dict[ProviderName, httpx.AsyncBaseTransport] = {
        n: httpx.ASGITransport(app=app) for n, app in emulators.items()
    }
    config = Settings(
        demo=True,
        tracing=True,
        response_cache=False,
        resilience=ResilienceSettings(cache_ttl_seconds=0, failure_memory_seconds=0),
        **settings,
    )
    app = create_app(config, transports=transports, tracer_provider=otel)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as client,
    ):
        yield Traced(client, exporter)


def upstream(spans: list[ReadableSpan]) -> list[ReadableSpan]:
    return [s for s in spans if s.name.startswith("upstream ")]


def calls(spans: list[ReadableSpan]) -> Counter[tuple[Any, Any]]:
    """The upstream calls of a request: provider and path, as many times as sent."""
    return Counter(
        ((s.attributes or {})["switchboard.provider"], (s.attributes or {})["url.path"])
        for s in upstream(spans)
    )


def sent_before_executing(spans: list[ReadableSpan]) -> list[bool]:
    """For each upstream call, whether it went out before the operation's span began."""
    operation = next(s for s in spans if s.name.startswith("GraphQL Query"))
    assert operation.start_time is not None
    return [
        s.start_time is not None and s.start_time < operation.start_time for s in upstream(spans)
    ]


async def test_a_steady_query_asks_its_pages_before_it_executes() -> None:
    async with traced_gateway() as gw:
        seen = [await gw.request() for _ in range(5)]
    for body, _ in seen:
        assert "errors" not in body
        assert body["data"] == seen[0][0]["data"]
    spans = [s for _, s in seen]
    # Cold until two executions in a row agree: the first learns the lists' lengths, so
    # it asks more than the next two; all three ask when the resolvers reach the pages.
    for cold in spans[:3]:
        assert not any(sent_before_executing(cold))
    assert calls(spans[0]) != calls(spans[1]) == calls(spans[2])
    # Then warm: the very calls of the steady executions, each sent before execution began.
    for warm in spans[3:]:
        assert calls(warm) == calls(spans[2])
        assert all(sent_before_executing(warm))


async def test_no_warm_start_when_it_is_turned_off() -> None:
    async with traced_gateway(warm_start=False) as gw:
        seen = [await gw.request() for _ in range(5)]
    assert not any(sent_before_executing(seen[-1][1]))
    assert calls(seen[-1][1]) == calls(seen[-2][1])


async def test_a_query_answered_with_errors_is_never_warmed() -> None:
    failing = {ProviderName.BUTTER: Fault(status=500)}
    async with traced_gateway(failing) as gw:
        seen = [await gw.request() for _ in range(4)]
    for body, spans in seen:
        assert body["errors"][0]["extensions"]["provider"] == "butter"
        assert not any(sent_before_executing(spans))


PAGE = """
query($first: Int, $filter: PhoneNumberFilter) {
  phoneNumbers(first: $first, filter: $filter) {
    nodes { provider number }
    pageInfo { hasNextPage }
  }
}
"""


async def changed_world(
    before: dict[ProviderName, EmulatorConfig],
    after: dict[ProviderName, EmulatorConfig],
    flt: Any,
    size: int,
) -> None:
    """A query made steady over ``before``'s worlds, then asked over ``after``'s: the
    answer a gateway that never saw ``before`` gives."""
    uncached: dict[str, Any] = {"resilience": {"cache_ttl_seconds": 0}, "response_cache": False}
    async with open_gateway(before, **uncached) as gw:
        for _ in range(3):
            await gw.data(PAGE, first=size, filter=flt)
        # Steady: the next execution starts warm (any world with a number reads a page).
        steady = WarmStarts.key(PAGE, None, {"first": size, "filter": flt})
        plan = gw.app.state.runtime.warm_starts.plan(steady)
        assert plan is not None or not any(c.numbers for c in before.values())
        for provider, config in after.items():
            gw.restart(provider, config)
        changed = [await gw.data(PAGE, first=size, filter=flt) for _ in range(3)]
    async with open_gateway(after, **uncached) as fresh:
        expected = await fresh.data(PAGE, first=size, filter=flt)
    assert all(answer == expected for answer in changed)


test_a_world_that_changed_under_a_warm_query_answers_from_its_own_reads = world_change_test(
    changed_world, 25
)
