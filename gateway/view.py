"""The GraphQL endpoint: Strawberry's ASGI view behind the operation gate, with a fresh
context (and loaders) per request on the caller's tenant runtime."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.extensions import DisableIntrospection, ValidationCache
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

from .config import Settings
from .errors import Refusal
from .observability import tracing
from .observability.metrics import Metrics
from .runtime import Runtime
from .schema import build_schema
from .schema.context import Context, make_context
from .security.apq import LRUQueryStore, PersistedQueries, QueryStore, load_safelist
from .security.gate import OperationGate
from .security.limits import QueryLimits
from .security.tenants import Caller
from .static.ide import GraphiQLAssets


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
