"""The Starlette application: GraphQL (POST for clients, GraphiQL for browsers)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from .config import Settings
from .demo import demo_provider_settings, demo_transports
from .model import PROVIDER_ORDER, ProviderName
from .runtime import Runtime, build_runtime
from .schema import build_schema
from .schema.context import Context, make_context

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

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        super().__init__(build_schema(), **kwargs)
        self.runtime = runtime

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        return make_context(self.runtime, request)


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
    view = GraphQLView(runtime, graphql_ide="graphiql")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def root(request: Request) -> Response:
        return RedirectResponse("/graphql")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await runtime.aclose()

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    return app
