"""What a GraphQL request must pass before it executes: gateway authentication, persisted
queries or the safelist, the choice of the operation, read-only keys and the static limits.

The operation is chosen exactly as the executor will choose it (graphql-core's
``get_operation_ast``: a document with several operations needs ``operationName``), and
what is authorized is that operation; execution then receives the same parsed document.
Each refusal is a :class:`~gateway.errors.Refusal`: a stable code and an HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import Refusal
from ..protocol.route_path import route_path
from .apq import PersistedQueries
from .http import is_ide_page, send_refusal
from .limits import QueryLimits, check, parse_limited
from .tenants import Authenticator, AuthError, Caller


class DocumentError(Refusal):
    """A request error in the document itself (syntax, operation choice): 200 under the
    legacy ``application/json`` rules, 400 under ``application/graphql-response+json``."""

    def __init__(self, code: str, message: str, error: GraphQLError | None = None) -> None:
        super().__init__(code, message, 400)
        self.error = error


@dataclass(frozen=True, slots=True)
class Admitted:
    """An operation cleared to run: its text, parsed document and chosen operation."""

    query: str
    document: DocumentNode
    operation: OperationDefinitionNode

    @property
    def operation_name(self) -> str | None:
        return self.operation.name.value if self.operation.name else None


def choose_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    """The operation that will execute, or OPERATION_RESOLUTION_FAILURE."""
    operation = get_operation_ast(document, name)
    if operation is not None:
        return operation
    count = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
    if name is not None:
        message = f"Unknown operation named {name[:64]!r}."
    elif count == 0:
        message = "The document has no operation."
    else:
        message = "Must provide operation name if query contains multiple operations."
    raise DocumentError("OPERATION_RESOLUTION_FAILURE", message)


class OperationGate:
    """Turns a request's parameters into the operation to run, or refuses."""

    def __init__(self, limits: QueryLimits, persisted: PersistedQueries | None) -> None:
        self.limits = limits
        self.persisted = persisted
        self._parse = lru_cache(maxsize=512)(self._parse_uncached)

    def _parse_uncached(self, query: str) -> DocumentNode:
        return parse_limited(query, self.limits)

    async def admit(
        self,
        query: str | None,
        extensions: Mapping[str, Any] | None,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        caller: Caller | None,
        *,
        method: str = "POST",
    ) -> Admitted:
        if self.persisted is not None:
            query = await self.persisted.resolve(
                query, extensions, scope=caller.tenant if caller is not None else None
            )
        if query is None:
            raise Refusal("BAD_REQUEST", "no GraphQL query in the request", 400)
        try:
            document = self._parse(query)
        except GraphQLError as exc:
            raise DocumentError("GRAPHQL_PARSE_FAILED", exc.message, exc) from None
        operation = choose_operation(document, operation_name)
        if operation.operation is OperationType.MUTATION:
            if method != "POST":
                raise Refusal("METHOD_NOT_ALLOWED", "mutations must be sent with POST", 405)
            if caller is not None and caller.read_only:
                raise Refusal("FORBIDDEN", "this API key is read-only", 403)
        elif operation.operation is OperationType.SUBSCRIPTION:
            raise DocumentError("OPERATION_NOT_SUPPORTED", "subscriptions are not supported")
        admitted = Admitted(query, document, operation)
        check(document, operation, variables, self.limits)  # what will run, as chosen
        return admitted


class AuthMiddleware:
    """Authenticates every GraphQL request; puts the :class:`Caller` in ``scope["state"]``.

    Only loading the GraphiQL page (no operation in it, holds no data) needs no key.
    """

    def __init__(self, app: ASGIApp, authenticator: Authenticator, path: str = "/graphql") -> None:
        self.app = app
        self.authenticator = authenticator
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope) != self.path:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not is_ide_page(scope["method"], headers.get("accept", ""), scope["query_string"]):
            try:
                scope.setdefault("state", {})["caller"] = self.authenticator.authenticate(headers)
            except AuthError as exc:
                await send_refusal(
                    send, exc, ((b"www-authenticate", b'Bearer realm="switchboard"'),)
                )
                return
        await self.app(scope, receive, send)
