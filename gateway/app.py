"""The Starlette application: GraphQL (POST for clients, GraphiQL for browsers)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .config import Settings
from .demo import demo_emulators, demo_provider_settings, demo_transports
from .demo_faults import DemoFaults, parse_switch
from .direct_route import GatewayApp
from .model import PROVIDER_ORDER, ProviderName
from .observability import health, tracing
from .observability.logging import redact
from .observability.metrics import (
    BreakerCollector,
    Metrics,
    ResilienceCollector,
    instrument_client,
)
from .observability.requestid import RequestIdMiddleware
from .resilience import DeadlineMiddleware, PageCache
from .resilience.redis_cache import url_password
from .runtime import Runtime, build_runtime, open_redis, tenant_cursor_key
from .security.gate import AuthMiddleware
from .security.http import RequestGuard
from .security.tenants import Authenticator
from .static.ide import DEFAULT_QUERY, GraphiQLAssets
from .view import GraphQLEndpoint

DEMO_QUERY = """# Switchboard demo: seven voice-AI platforms behind one GraphQL API.
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


# What browser clients send with their operations (Apollo Client, urql, Relay,
# graphql-request): a preflight that allows fewer fails in the browser before any request.
CORS_HEADERS = [
    "content-type",
    "accept",
    "authorization",
    "x-api-key",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "apollographql-client-name",
    "apollographql-client-version",
    "x-request-id",
]
CORS_MAX_AGE_SECONDS = 600


def build_runtimes(
    settings: Settings,
    transports: Mapping[ProviderName, httpx.AsyncBaseTransport] | None,
    cache: PageCache | None = None,
) -> dict[str | None, Runtime]:
    """One runtime per tenant (its own clients, caches and cursor key); None: no tenants.

    ``cache``: one page cache for all of them (Redis; keys carry the credentials' digest,
    so tenants never share an entry); None: each runtime its own from the settings.
    """
    if settings.demo:
        providers = {name: demo_provider_settings(name) for name in PROVIDER_ORDER}
        return {
            None: build_runtime(settings, providers, transports or demo_transports(), cache=cache)
        }
    if not settings.tenants:
        return {
            None: build_runtime(settings, settings.enabled_providers(), transports, cache=cache)
        }
    fallback = secrets.token_bytes(32)
    return {
        name: build_runtime(
            settings,
            tenant.enabled_providers(),
            transports,
            cursor_key=tenant_cursor_key(settings, name, fallback),
            cache=cache,
        )
        for name, tenant in settings.tenants.items()
    }


def create_app(
    settings: Settings,
    *,
    transports: Mapping[ProviderName, httpx.AsyncBaseTransport] | None = None,
    tracer_provider: Any = None,
) -> Starlette:
    """Build the app. ``transports`` replace the network per provider (demo mode, tests);
    ``tracer_provider`` replaces OpenTelemetry's global one when ``settings.tracing``."""
    faults = None  # the demo failure switch: only over the demo's own emulators
    if settings.demo and transports is None:
        emulators = demo_emulators()
        transports = {n: httpx.ASGITransport(app=e) for n, e in emulators.items()}
        faults = DemoFaults({n: e.state.control for n, e in emulators.items()})
        for value in settings.demo_fail:
            faults.set(*parse_switch(value))
    # Shared by the replicas (docs/operations.md, Scale-out): one connection, opened lazily.
    redis = open_redis(settings)
    runtimes = build_runtimes(settings, transports, redis.page_cache() if redis else None)
    runtime = next(iter(runtimes.values()))
    if faults is not None:
        faults.on_change = runtime.invalidate
    # Scrub the credentials from every log line, however they would get there.
    redact.add(
        [
            settings.cursor_secret,
            url_password(settings.redis_url) if settings.redis_url else None,
            *(p.api_key for r in runtimes.values() for p in r.providers.values()),
        ]
    )
    metrics = Metrics()
    for tenant, each in runtimes.items():  # every tenant observed, by a ``tenant`` label
        for name, client in each.clients.items():
            instrument_client(client, name, metrics, tenant)
    if settings.tracing:
        for each in runtimes.values():
            for name, client in each.clients.items():
                tracing.instrument_client(client, name.value, tracer_provider)
    metrics.add_collector(BreakerCollector(runtimes))
    metrics.add_collector(ResilienceCollector(runtimes))
    ide = GraphiQLAssets(DEMO_QUERY if settings.demo else DEFAULT_QUERY)
    query_store = None
    if redis is not None:
        query_store = redis.query_store(
            settings.security.persisted_queries_ttl_seconds, settings.security.max_body_bytes
        )
    view = GraphQLEndpoint(runtimes, metrics, ide, query_store, tracer_provider)
    middleware = [
        Middleware(RequestIdMiddleware),
        *(
            [Middleware(tracing.TracingMiddleware, provider=tracer_provider)]
            if settings.tracing
            else []
        ),
    ]
    if settings.security.cors_origins:
        # Outside the guards, so that their refusals carry CORS headers too and a browser
        # client can read the coded error instead of an opaque network failure.
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.security.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=CORS_HEADERS,
                expose_headers=["x-request-id"],
                max_age=CORS_MAX_AGE_SECONDS,
            )
        )
    # Who is calling comes first: a request without a caller is a 401 whatever else it is.
    if settings.tenants and not settings.demo:
        keys = {name: list(t.keys) for name, t in settings.tenants.items()}
        middleware.append(Middleware(AuthMiddleware, authenticator=Authenticator(keys)))
    middleware.append(Middleware(RequestGuard, max_body_bytes=settings.security.max_body_bytes))
    # Upstream calls of a request never outlive its deadline (docs/resilience.md).
    middleware.append(Middleware(DeadlineMiddleware, seconds=settings.request_deadline_seconds))

    async def root(_request: Request) -> Response:
        return RedirectResponse("/graphql")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.started = True
        yield
        app.state.started = False  # /readyz says 503 while shutting down
        for each in runtimes.values():
            await each.aclose()
        if redis is not None:
            await redis.aclose()

    # /graphql through the same middleware, past Starlette's own (gateway/direct_route.py).
    app = GatewayApp(
        path="/graphql",
        endpoint=view,
        routes=[
            Route("/graphql", view),  # first: the router tries the routes in order
            Route("/", root),
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz),
            Route("/metrics", metrics.endpoint),
            *ide.routes(),
            *(faults.routes() if faults else []),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.runtimes = runtimes
    app.state.metrics = metrics
    app.state.started = False
    return app
