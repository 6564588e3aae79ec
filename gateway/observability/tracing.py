"""Optional OpenTelemetry tracing (``pip install 'switchboard-gateway[tracing]'``).

Spans: the HTTP request (``POST /graphql``), Strawberry's parse, validate and execute
spans beneath it, and one client span per upstream attempt (provider, method, path,
status). No header, query string or body is recorded, so no credential can reach a span.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from ..upstream import Answer, Attempt, Hop, Layer, UpstreamClient

try:
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError:  # the extra is not installed
    trace = None  # type: ignore[assignment]


def available() -> bool:
    return trace is not None


def tracer(provider: Any = None) -> Any:
    assert trace is not None, "install the tracing extra"
    return trace.get_tracer("switchboard", tracer_provider=provider)


def schema_extension(provider: Any = None) -> Any:
    """Strawberry's OpenTelemetry extension (parse, validate, execute, resolvers)."""
    from strawberry.extensions.tracing import OpenTelemetryExtension

    def make(**kwargs: Any) -> Any:
        return OpenTelemetryExtension(tracer_provider=provider, **kwargs)

    return make


class TracingMiddleware:
    """The request span, current while the request runs so every other span nests in it."""

    def __init__(self, app: ASGIApp, provider: Any = None) -> None:
        self.app = app
        self.tracer = tracer(provider)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        name = f"{scope['method']} {scope['path']}"
        with self.tracer.start_as_current_span(name, kind=SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", scope["method"])
            span.set_attribute("url.path", scope["path"])

            async def record(message: Any) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                await send(message)

            await self.app(scope, receive, record)


class TracingTransport(Layer):
    """One client span per upstream attempt."""

    def __init__(self, inner: Hop, provider_name: str, otel: Any = None) -> None:
        super().__init__(inner)
        self.provider_name = provider_name
        self.tracer = tracer(otel)

    async def send(self, attempt: Attempt) -> Answer:
        name = f"upstream {self.provider_name} {attempt.method}"
        with self.tracer.start_as_current_span(name, kind=SpanKind.CLIENT) as span:
            span.set_attribute("switchboard.provider", self.provider_name)
            span.set_attribute("http.request.method", attempt.method)
            span.set_attribute("url.path", attempt.url.path)
            try:
                answer = await self.inner.send(attempt)
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            span.set_attribute("http.response.status_code", answer.status)
            if answer.status >= 500:
                span.set_status(Status(StatusCode.ERROR))
            return answer


def instrument_client(client: object, provider_name: str, otel: Any = None) -> bool:
    """A span for every attempt of an UpstreamClient, as a layer of its stack (outside
    the metrics layer when both are added, as the metrics wrapper does it)."""
    if not isinstance(client, UpstreamClient):
        return False
    client.add_observer(lambda inner, _context: TracingTransport(inner, provider_name, otel))
    return True


def configure_exporter() -> None:
    """For ``switchboard serve``: export spans over OTLP/HTTP unless the process already
    has a tracer provider (e.g. set up by ``opentelemetry-instrument``). The endpoint
    and headers come from the standard ``OTEL_EXPORTER_OTLP_*`` variables."""
    assert trace is not None, "install the tracing extra"
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": "switchboard"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
