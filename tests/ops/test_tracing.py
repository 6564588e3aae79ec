"""OpenTelemetry spans: the request, GraphQL's phases and each upstream call, no secrets."""

from __future__ import annotations

import httpx
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.app import create_app
from gateway.config import Settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import PROVIDER_ORDER


async def test_spans_cover_request_phases_and_upstream_calls() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    transports = {
        n: httpx.ASGITransport(app=create_emulator(n, EmulatorConfig())) for n in PROVIDER_ORDER
    }
    app = create_app(
        Settings(demo=True, tracing=True), transports=transports, tracer_provider=provider
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as client,
    ):
        r = await client.post(
            "/graphql",
            json={"query": "query Numbers { phoneNumbers(first: 100) { nodes { id } } }"},
        )
        assert r.status_code == 200
        assert "errors" not in r.json()
    spans = exporter.get_finished_spans()
    names = [s.name for s in spans]
    assert "POST /graphql" in names
    assert any(n.startswith("GraphQL Query") for n in names)
    assert "GraphQL Parsing" in names
    assert "GraphQL Validation" in names
    upstream = [s for s in spans if s.name.startswith("upstream ")]
    assert {(s.attributes or {})["switchboard.provider"] for s in upstream} == {
        p.value for p in PROVIDER_ORDER
    }
    root = next(s for s in spans if s.name == "POST /graphql")
    assert all(s.context.trace_id == root.context.trace_id for s in spans)
    for span in spans:
        assert "demo-key" not in str(dict(span.attributes or {}))
