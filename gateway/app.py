"""The Starlette application: GraphQL (POST for clients, GraphiQL for browsers)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from .config import Settings
from .demo import demo_provider_settings, demo_transports
from .model import PROVIDER_ORDER, ProviderName
from .observability import health
from .observability.logging import redact
from .observability.metrics import (
    BreakerCollector,
    Metrics,
    ResilienceCollector,
    instrument_client,
)
from .observability.requestid import RequestIdMiddleware
from .resilience import DeadlineMiddleware
from .runtime import Runtime, build_runtime
from .schema import build_schema
from .schema.context import Context, make_context
from .static.ide import DEFAULT_QUERY, GraphiQLAssets

DEMO_QUERY = """# Switchboard demo: five voice-AI platforms behind one GraphQL API.
query Demo {
  providers { name pagination nativeFilters }
  phoneNumbers(first: 10, filter: {status: ASSIGNED}) {
    totalCount
    edges {
      cursor
      node { id provider number status displayName assistant { name } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with a fresh context (and loaders) per request."""

    def __init__(
        self,
        runtime: Runtime,
        metrics: Metrics | None = None,
        ide: GraphiQLAssets | None = None,
        **kwargs: Any,
    ) -> None:
        schema = build_schema(federation=runtime.settings.federation)
        if metrics is not None:  # first, so it exits last and sees the final error codes
            schema.extensions = (metrics.extension(), *schema.extensions)
        super().__init__(schema, **kwargs)
        self.runtime = runtime
        self.metrics = metrics
        self.ide = ide

    async def render_graphql_ide(self, request: Request) -> Response:
        # The locally served, pinned GraphiQL; Strawberry's CDN page only if not installed.
        if self.ide is not None and self.ide.available:
            return self.ide.page_response()
        return await super().render_graphql_ide(request)

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        context = make_context(self.runtime, request)
        if self.metrics is not None:
            self.metrics.observe_loaders(context.loaders)
        return context


def create_app(
    settings: Settings,
    *,
    transports: dict[ProviderName, httpx.AsyncBaseTransport] | None = None,
) -> Starlette:
    """Build the app. ``transports`` replace the network per provider (demo mode, tests)."""
    if settings.demo:
        providers = {name: demo_provider_settings(name) for name in PROVIDER_ORDER}
        transports = transports or demo_transports()
    else:
        providers = settings.enabled_providers()
    runtime = build_runtime(settings, providers, transports)
    # Scrub the credentials from every log line, however they would get there.
    redact.add([settings.cursor_secret, *(p.api_key for p in providers.values())])
    metrics = Metrics()
    for name, client in runtime.clients.items():
        instrument_client(client, name, metrics)
    metrics.add_collector(BreakerCollector(lambda: health.breaker_states(runtime)))
    metrics.add_collector(ResilienceCollector(runtime))
    ide = GraphiQLAssets(DEMO_QUERY if settings.demo else DEFAULT_QUERY)
    view = GraphQLView(runtime, metrics, ide, graphql_ide="graphiql")

    async def root(request: Request) -> Response:
        return RedirectResponse("/graphql")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.started = True
        yield
        app.state.started = False  # /readyz says 503 while shutting down
        await runtime.aclose()

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz),
            Route("/metrics", metrics.endpoint),
            *ide.routes(),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            # Upstream calls of a request never outlive its deadline (docs/resilience.md).
            Middleware(DeadlineMiddleware, seconds=settings.request_deadline_seconds),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.metrics = metrics
    app.state.started = False
    return app
