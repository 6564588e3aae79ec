"""The Starlette application: GraphQL (POST for clients, GraphiQL for browsers)."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
from graphql import GraphQLError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import DisableIntrospection, ValidationCache
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from .config import Settings
from .demo import demo_provider_settings, demo_transports
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
from .schema import build_schema
from .schema.context import Context, make_context
from .security.apq import LRUQueryStore, PersistedQueries, QueryStore, load_safelist
from .security.gate import AuthMiddleware, OperationGate, Refusal
from .security.http import RequestGuard
from .security.limits import QueryLimits
from .security.tenants import Authenticator, Caller
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
    """Strawberry's ASGI view with a fresh context (and loaders) per request, behind the
    operation gate (persisted queries, limits, read-only keys)."""

    def __init__(
        self,
        runtimes: dict[str | None, Runtime],
        metrics: Metrics | None = None,
        ide: GraphiQLAssets | None = None,
        query_store: QueryStore | None = None,
        tracer_provider: Any = None,
        **kwargs: Any,
    ) -> None:
        default = next(iter(runtimes.values()))
        settings = default.settings
        schema = build_schema(federation=settings.federation)
        if not settings.security.introspection:
            schema.extensions = (*schema.extensions, DisableIntrospection)
        if settings.tracing:
            schema.extensions = (*schema.extensions, tracing.schema_extension(tracer_provider))
        # The same documents come again and again: validate each once (LRU shared across
        # requests, keyed by the document's structure; validation was about a fifth of the
        # CPU per request). Parsing is cheap and stays per request, so syntax errors keep
        # their normal path.
        schema.extensions = (
            *schema.extensions,
            lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
        )
        if metrics is not None:  # first, so it exits last and sees the final error codes
            schema.extensions = (metrics.extension(), *schema.extensions)
        super().__init__(schema, **kwargs)
        self.runtimes = runtimes
        self.runtime = default
        self.metrics = metrics
        self.ide = ide
        self.gate = build_gate(settings, query_store)
        self.suggestions = settings.security.field_suggestions

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        # The locally served, pinned GraphiQL; Strawberry's CDN page only if not installed.
        if self.ide is not None and self.ide.available:
            return self.ide.page_response()
        return await super().render_graphql_ide(request)

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        caller: Caller | None = request.scope.get("state", {}).get("caller")
        runtime = self.runtimes[caller.tenant] if caller is not None else self.runtime
        context = make_context(runtime, request, caller)
        if self.metrics is not None:
            self.metrics.observe_loaders(context.loaders)
        return context

    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            query = await self.gate.admit(
                request_data.query,
                request_data.extensions,
                request_data.operation_name,
                request_data.variables,
                context.caller,
            )
        except Refusal as exc:
            sub_response.status_code = exc.http_status
            return ExecutionResult(
                data=None, errors=[GraphQLError(exc.message, extensions=exc.extensions())]
            )
        request_data = dataclasses.replace(request_data, query=query)
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if result.errors:
            if not self.suggestions:
                for error in result.errors:
                    error.message = _SUGGESTION.sub("", error.message)
            if result.data is None and all(
                (e.extensions or {}).get("code") in _REQUEST_ERRORS for e in result.errors
            ):
                sub_response.status_code = 400  # GraphQL-over-HTTP: the request itself failed
        return result


CACHED_DOCUMENTS = 512
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")
_REQUEST_ERRORS = {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"}


def build_gate(settings: Settings, store: QueryStore | None = None) -> OperationGate:
    """The operation gate; ``store`` holds the persisted queries (Redis when shared by
    replicas), an in-memory LRU of ``persisted_queries_capacity`` when None."""
    sec = settings.security
    limits = QueryLimits(
        max_depth=sec.max_depth,
        max_aliases=sec.max_aliases,
        max_tokens=sec.max_tokens,
        max_directives=sec.max_directives,
        max_root_fields=sec.max_root_fields,
        max_cost=sec.max_cost,
    )
    persisted = None
    if sec.safelist_file is not None:
        persisted = PersistedQueries(LRUQueryStore(1), safelist=load_safelist(sec.safelist_file))
    elif sec.persisted_queries:
        if store is None:
            store = LRUQueryStore(sec.persisted_queries_capacity)
        persisted = PersistedQueries(store)
    return OperationGate(limits, persisted)


def build_runtimes(
    settings: Settings,
    transports: dict[ProviderName, httpx.AsyncBaseTransport] | None,
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
    transports: dict[ProviderName, httpx.AsyncBaseTransport] | None = None,
    tracer_provider: Any = None,
) -> Starlette:
    """Build the app. ``transports`` replace the network per provider (demo mode, tests);
    ``tracer_provider`` replaces OpenTelemetry's global one when ``settings.tracing``."""
    # Shared by the replicas (docs/operations.md, Scale-out): one connection, opened lazily.
    redis = open_redis(settings)
    runtimes = build_runtimes(settings, transports, redis.page_cache() if redis else None)
    runtime = next(iter(runtimes.values()))
    # Scrub the credentials from every log line, however they would get there.
    redact.add(
        [
            settings.cursor_secret,
            url_password(settings.redis_url) if settings.redis_url else None,
            *(p.api_key for r in runtimes.values() for p in r.providers.values()),
        ]
    )
    metrics = Metrics()
    for each in runtimes.values():
        for name, client in each.clients.items():
            instrument_client(client, name, metrics)
    if settings.tracing:
        for each in runtimes.values():
            for name, client in each.clients.items():
                tracing.instrument_client(client, name.value, tracer_provider)
    metrics.add_collector(BreakerCollector(lambda: health.breaker_states(runtime)))
    metrics.add_collector(ResilienceCollector(runtime))
    ide = GraphiQLAssets(DEMO_QUERY if settings.demo else DEFAULT_QUERY)
    query_store = None
    if redis is not None:
        query_store = redis.query_store(
            settings.security.persisted_queries_ttl_seconds, settings.security.max_body_bytes
        )
    view = GraphQLView(runtimes, metrics, ide, query_store, tracer_provider, graphql_ide="graphiql")
    middleware = [
        Middleware(RequestIdMiddleware),
        *(
            [Middleware(tracing.TracingMiddleware, provider=tracer_provider)]
            if settings.tracing
            else []
        ),
        Middleware(RequestGuard, max_body_bytes=settings.security.max_body_bytes),
    ]
    if settings.security.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.security.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["content-type", "authorization", "x-api-key", "x-request-id"],
            )
        )
    if settings.tenants and not settings.demo:
        keys = {name: list(t.keys) for name, t in settings.tenants.items()}
        middleware.append(Middleware(AuthMiddleware, authenticator=Authenticator(keys)))
    # Upstream calls of a request never outlive its deadline (docs/resilience.md).
    middleware.append(Middleware(DeadlineMiddleware, seconds=settings.request_deadline_seconds))

    async def root(request: Request) -> Response:
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

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/healthz", health.healthz),
            Route("/readyz", health.readyz),
            Route("/metrics", metrics.endpoint),
            *ide.routes(),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.runtimes = runtimes
    app.state.metrics = metrics
    app.state.started = False
    return app
