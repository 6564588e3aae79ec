"""The GraphQL endpoint: GraphQL over HTTP in front of Strawberry's schema.

One path for every request: method, then the GraphiQL page (a GET for HTML naming no
operation), then the caller (a deployment with tenants never runs anything without one:
there is no default runtime to fall back on), then the parameters, the gate (persisted
query, the operation that will run, read-only keys, limits) and execution of exactly that
operation on the caller's runtime. Every refusal is a GraphQL JSON body with a code.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import re
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.extensions import AddValidationRules, DisableIntrospection, ValidationCache
from strawberry.http.ides import get_graphql_ide_html
from strawberry.types.graphql import OperationType

from .config import Settings
from .errors import Refusal
from .observability import tracing
from .observability.metrics import Metrics
from .protocol.execution import PreparedOperation, is_request_error
from .protocol.media import GRAPHQL_RESPONSE, JSON, negotiate
from .protocol.request import Params, parse_post, read_body, read_get
from .response_cache import ResponseCache, ResponseCacheCollector
from .runtime import Runtime
from .schema import build_schema
from .schema.context import Context, make_context
from .security.apq import LRUQueryStore, PersistedQueries, QueryStore, load_safelist
from .security.gate import Admitted, DocumentError, OperationGate
from .security.http import is_ide_page
from .security.limits import QueryLimits
from .security.rules import NoFederationSDL
from .security.tenants import AuthError, Caller
from .static.ide import GraphiQLAssets
from .warm_start import STEPS_TO_THE_NETWORK, WarmStarts

log = logging.getLogger("switchboard.http")

CACHED_DOCUMENTS = 512
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")
_QUERY_ONLY = (OperationType.QUERY,)
_QUERY_OR_MUTATION = (OperationType.QUERY, OperationType.MUTATION)
_CHALLENGE = {"www-authenticate": 'Bearer realm="switchboard"'}


@dataclasses.dataclass(slots=True)
class Outcome:
    """One operation's response body and the HTTP status it would have on its own;
    ``encoded``: the body already as bytes (a cached response)."""

    body: dict[str, Any] | None
    status: int = 200
    encoded: bytes | None = None
    headers: dict[str, str] | None = None

    def to_bytes(self) -> bytes:
        return self.encoded if self.encoded is not None else orjson.dumps(self.body)


class GraphQLEndpoint:
    """The ``/graphql`` ASGI app (GET and POST; anything else is 405 with a code)."""

    def __init__(
        self,
        runtimes: dict[str | None, Runtime],
        metrics: Metrics | None = None,
        ide: GraphiQLAssets | None = None,
        query_store: QueryStore | None = None,
        tracer_provider: Any = None,
    ) -> None:
        settings = next(iter(runtimes.values())).settings
        self.schema = build_schema(federation=settings.federation)
        self.schema.extensions = (*self.schema.extensions, *_extensions(settings, tracer_provider))
        if metrics is not None:  # first, so it exits last and sees the final error codes
            self.schema.extensions = (metrics.extension(), *self.schema.extensions)
        self.runtimes = runtimes
        self.metrics = metrics
        self.ide = ide
        self.gate = build_gate(settings, query_store)
        self.suggestions = settings.security.field_suggestions
        self.batching = settings.security.batching
        self.max_batch = settings.security.max_batch_operations
        enabled = settings.response_cache if settings.response_cache is not None else settings.demo
        self.response_caches: dict[str | None, ResponseCache] = {}
        if enabled:
            for tenant, runtime in runtimes.items():
                cache = ResponseCache.for_runtime(runtime, tenant)
                if cache is not None:
                    self.response_caches[tenant] = cache
            if metrics is not None:
                metrics.add_collector(ResponseCacheCollector(self.response_caches))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        held: list[_Contexts] = []
        try:
            response = await self.handle(request, held)
            await response(scope, receive, send)
        finally:
            # What the request loaded is dropped once the response is on its way: in the
            # loop's next step, after the one that sends it (gateway/one_write.py sends a
            # step's writes at its end), so releasing is none of the client's wait. Only
            # when an operation executed: asking for the running loop costs a getpid()
            # system call on CPython 3.11, a tenth of a response-cache hit here.
            if any(contexts.built for contexts in held):
                asyncio.get_running_loop().call_soon(_release, held)

    async def handle(self, request: Request, held: list[_Contexts]) -> Response:
        """The response to ``request``; the contexts it built are put in ``held``, for the
        caller to release once the response is sent."""
        media = JSON
        try:
            method = request.method
            if method not in ("GET", "POST"):
                raise Refusal("METHOD_NOT_ALLOWED", "use GET or POST", 405)
            accept = request.headers.get("accept", "")
            if is_ide_page(method, accept, request.scope.get("query_string", b"")):
                return await self._ide_page()
            negotiated = negotiate(accept)
            if negotiated is None:
                raise Refusal(
                    "NOT_ACCEPTABLE",
                    f"responses are {GRAPHQL_RESPONSE} or {JSON}; the request accepts neither",
                    406,
                )
            media = negotiated
            caller = request.scope.get("state", {}).get("caller")
            runtime = self._runtime(caller)
            posted = None
            params: Params | list[Params]
            if method == "GET":
                params = read_get(request.scope.get("query_string", b""))
            else:
                posted = (request.headers.get("content-type", ""), await read_body(request))
                cache = self._response_cache(caller)
                if cache is not None:  # the same bytes as a stored query's: no parsing
                    hit = await cache.known_hit(*posted)
                    if hit is not None:
                        return self._respond(hit, 200, media)
                params = parse_post(*posted)
            # Built only when an operation executes: a response from the cache needs no
            # loaders (building them was most of a cache hit's cost).
            contexts = _Contexts(runtime, request, caller, self.metrics)
            held.append(contexts)
            if isinstance(params, list):
                batch = await self._batch(params, contexts, method, media)
                return self._encode(batch, 200, media)
            outcome = await self._run(params, contexts, method, media, posted=posted)
            return self._respond(outcome.to_bytes(), outcome.status, media, outcome.headers)
        except Refusal as exc:
            self._count_refusal(exc)
            headers = _CHALLENGE if isinstance(exc, AuthError) else None
            return self._encode(_refusal_body(exc), exc.http_status, media, headers)
        except Exception:
            log.exception("unexpected error in the GraphQL endpoint")
            body = {
                "errors": [
                    {
                        "message": "Internal server error",
                        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                    }
                ]
            }
            return self._encode(body, 500, media)

    def _runtime(self, caller: Caller | None) -> Runtime:
        """The caller's runtime; without tenants, the one runtime (key None)."""
        runtime = self.runtimes.get(caller.tenant if caller is not None else None)
        if runtime is None:
            raise AuthError("missing gateway API key (X-API-Key or Authorization: Bearer)")
        return runtime

    def _response_cache(self, caller: Caller | None) -> ResponseCache | None:
        """The caller's tenant's response cache (None: off for it)."""
        return self.response_caches.get(caller.tenant if caller is not None else None)

    async def _batch(
        self, batch: list[Params], contexts: _Contexts, method: str, media: str
    ) -> list[dict[str, Any]]:
        if not self.batching:
            raise Refusal(
                "BATCHING_DISABLED", "batched operations are not enabled (security.batching)"
            )
        if not batch:
            raise Refusal("BAD_REQUEST", "an empty batch")
        if len(batch) > self.max_batch:
            raise Refusal(
                "BATCH_TOO_LARGE", f"a batch may hold at most {self.max_batch} operations"
            )
        # One context per operation (its own errors), one set of loaders for all of them,
        # run together so that their upstream reads batch and coalesce.
        outcomes = await asyncio.gather(
            *(self._run(p, contexts, method, media, batched=True) for p in batch)
        )
        return [o.body or {} for o in outcomes]

    async def _run(
        self,
        params: Params,
        contexts: _Contexts,
        method: str,
        media: str,
        batched: bool = False,
        posted: tuple[str, bytes] | None = None,
    ) -> Outcome:
        """One operation. A batch's operations share the request's loaders, each with its
        own errors, and are never served from or stored in the response cache.
        ``posted``: the ``Content-Type`` and body ``params`` were read from (a POST)."""
        caller = contexts.caller
        cache = None if batched else self._response_cache(caller)
        key = None
        if cache is not None and params.query is not None:
            # A response is stored only for a query this tenant's gate admitted with the
            # same text, operation name and variables, under the same configuration (the
            # cache's scope): the gate would decide the same again, so a hit skips it.
            key = cache.key(params.query, params.operation_name, params.variables)
            if posted is not None:
                cache.remember(*posted, key)
            hit = await cache.lookup(key)  # its miss is counted once it is a query
            if hit is not None:
                return self._cached(hit, method, cache, contexts)
        try:
            admitted = await self.gate.admit(
                params.query,
                params.extensions,
                params.operation_name,
                params.variables,
                caller,
                method=method,
            )
        except DocumentError as exc:
            self._count_refusal(exc)
            failed = _reissue(exc.error, exc) if exc.error is not None else None
            body = {"errors": [failed]} if failed is not None else _refusal_body(exc)
            return Outcome(body, 400 if media == GRAPHQL_RESPONSE else 200)
        except Refusal as exc:
            self._count_refusal(exc)
            return Outcome(_refusal_body(exc), exc.http_status)
        context = contexts.get()
        if batched:
            context = dataclasses.replace(context, partial_errors=[])
        context.admitted = admitted
        operation = admitted.operation.operation.value
        warm = not batched and operation == "query" and context.runtime.settings.warm_start
        if cache is None or operation != "query":
            if cache is not None and operation == "mutation":
                cache.begin_write()
                try:
                    return await self._execute(admitted, params, context, method, media)
                finally:
                    cache.end_write()
            return await self._execute(admitted, params, context, method, media, warm)
        if key is None:  # a persisted query sent by hash: its text is known only now
            key = cache.key(admitted.query, params.operation_name, params.variables)
            hit = await cache.get(key)
            if hit is not None:
                return self._cached(hit, method, cache, contexts)
        else:
            cache.missed()
        mark = cache.mark()
        outcome = await self._execute(admitted, params, context, method, media, warm)
        if outcome.body is None or "errors" in outcome.body or "data" not in outcome.body:
            return outcome
        encoded = outcome.to_bytes()
        await cache.store(key, mark, encoded)
        return self._cached(encoded, method, cache, contexts)

    def _cached(
        self, body: bytes, method: str, cache: ResponseCache, contexts: _Contexts
    ) -> Outcome:
        if method != "GET":
            return Outcome(None, encoded=body)
        return self._http_cached(body, cache.ttl_seconds, contexts)

    def _http_cached(self, body: bytes, ttl: float, contexts: _Contexts) -> Outcome:
        """A GET query's response with validators, so browsers and CDNs can reuse it: an
        ETag (304 when it matches), and a max-age of the cache TTL, private with a key."""
        etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
        scope = "private" if contexts.caller is not None else "public"
        headers = {
            "etag": etag,
            "cache-control": f"{scope}, max-age={int(ttl)}",
            "vary": "Accept, Authorization, X-API-Key",
        }
        if contexts.request.headers.get("if-none-match") == etag:
            return Outcome(None, 304, encoded=b"", headers=headers)
        return Outcome(None, encoded=body, headers=headers)

    async def _execute(
        self,
        admitted: Admitted,
        params: Params,
        context: Context,
        method: str,
        media: str,
        warm: bool = False,
    ) -> Outcome:
        plan_key = None
        if warm:  # a steady query's pages are asked before it executes
            plan_key = WarmStarts.key(admitted.query, admitted.operation_name, params.variables)
            plan = context.runtime.warm_starts.plan(plan_key)
            if plan is not None:
                context.loaders.warm(plan)
                for _ in range(STEPS_TO_THE_NETWORK):
                    await asyncio.sleep(0)
        result = await self.schema.execute(
            admitted.query,
            variable_values=params.variables,
            context_value=context,
            operation_name=admitted.operation_name,
            allowed_operation_types=_QUERY_ONLY if method == "GET" else _QUERY_OR_MUTATION,
        )
        errors = result.errors or []
        if plan_key is not None and not errors:
            context.runtime.warm_starts.record(plan_key, list(context.loaders.asked))
        if errors and not self.suggestions:
            for error in errors:
                error.message = _SUGGESTION.sub("", error.message)
        formatted: list[Any] = [e.formatted for e in errors]
        if is_request_error(result.data, errors):
            return Outcome({"errors": formatted}, 400 if media == GRAPHQL_RESPONSE else 200)
        response: dict[str, Any] = {"data": result.data}
        if formatted:
            response["errors"] = formatted
        if result.extensions:
            response["extensions"] = result.extensions
        return Outcome(response)

    async def _ide_page(self) -> Response:
        # The locally served, pinned GraphiQL; Strawberry's CDN page only if not installed.
        if self.ide is not None and self.ide.available:
            return self.ide.page_response()
        return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))

    def _count_refusal(self, exc: Refusal) -> None:
        if self.metrics is not None:
            self.metrics.graphql_errors.labels("", exc.refusal_code).inc()

    @classmethod
    def _encode(
        cls, body: object, status: int, media: str, headers: dict[str, str] | None = None
    ) -> Response:
        return cls._respond(orjson.dumps(body), status, media, headers)

    @staticmethod
    def _respond(
        body: bytes, status: int, media: str, headers: dict[str, str] | None = None
    ) -> Response:
        if status == 405:
            headers = {**(headers or {}), "allow": "GET, POST"}
        if status == 304:
            return Response(status_code=304, headers=headers)
        return _Encoded(body, status, media, headers)


_CONTENT_TYPES: dict[str, bytes] = {}


class _Encoded(Response):
    """Starlette's ``Response(body, status, headers, media_type=media + charset)``, its
    raw headers built in one pass: the given ones, then Content-Length and Content-Type
    unless given (Starlette's order and rule), the type's bytes made once per media."""

    def __init__(self, body: bytes, status: int, media: str, headers: dict[str, str] | None):
        self.status_code = status
        self.body = body
        self.background = None
        raw = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()
        ]
        given = {name for name, _ in raw} if raw else ()
        if b"content-length" not in given and status >= 200 and status not in (204, 304):
            raw.append((b"content-length", str(len(body)).encode("latin-1")))
        if b"content-type" not in given:
            kind = _CONTENT_TYPES.get(media)
            if kind is None:
                kind = _CONTENT_TYPES[media] = f"{media}; charset=utf-8".encode("latin-1")
            raw.append((b"content-type", kind))
        self.raw_headers = raw


class _Contexts:
    """The context of a request's operations, built when the first one executes and
    released with the response. It holds nothing that holds it: a reference cycle would
    keep a request's records until a full collection (the load phases' RSS grew)."""

    __slots__ = ("_context", "caller", "metrics", "request", "runtime")

    def __init__(
        self, runtime: Runtime, request: Request, caller: Caller | None, metrics: Metrics | None
    ) -> None:
        self.runtime, self.request, self.caller, self.metrics = runtime, request, caller, metrics
        self._context: Context | None = None

    @property
    def built(self) -> bool:
        return self._context is not None

    def get(self) -> Context:
        if self._context is None:
            self._context = make_context(self.runtime, self.request, self.caller)
            if self.metrics is not None:
                self.metrics.observe_loaders(self._context.loaders)
        return self._context

    def release(self) -> None:
        if self._context is not None:
            self._context.release()


def _release(held: list[_Contexts]) -> None:
    for contexts in held:
        contexts.release()


def _refusal_body(exc: Refusal) -> dict[str, Any]:
    return {"errors": [{"message": exc.message, "extensions": exc.extensions()}]}


def _reissue(error: GraphQLError, exc: Refusal) -> dict[str, Any]:
    """A parse error as GraphQL reports it (with its location), under the refusal's code."""
    formatted = dict(error.formatted)
    formatted["extensions"] = exc.extensions()
    return formatted


def _extensions(settings: Settings, tracer_provider: Any) -> list[Any]:
    """The schema extensions the settings ask for, after Strawberry's own."""
    sec = settings.security
    extensions: list[Any] = []
    if not sec.introspection:
        extensions.append(DisableIntrospection)
        if settings.federation and not sec.federation_sdl_public:
            extensions.append(AddValidationRules([NoFederationSDL]))
    if settings.tracing:
        extensions.append(tracing.schema_extension(tracer_provider))
    # The same documents come again and again: validate each once (LRU shared across
    # requests, keyed by the document's structure; validation was about a fifth of the
    # CPU per request). The gate has parsed already; PreparedOperation hands that over.
    extensions.append(lambda: ValidationCache(maxsize=CACHED_DOCUMENTS))
    extensions.append(PreparedOperation)
    return extensions


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
