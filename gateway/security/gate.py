"""What a GraphQL request must pass before it executes: gateway authentication, persisted
queries or the safelist, the static limits, and read-only keys.

Each refusal is a :class:`~gateway.errors.Refusal`: a stable code and the HTTP status
to answer with.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, OperationType
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import Refusal
from .apq import PersistedQueries
from .http import is_ide_page, send_refusal
from .limits import QueryLimits, check, parse_limited
from .tenants import Authenticator, AuthError, Caller


def _operation_type(document: DocumentNode, name: str | None) -> OperationType | None:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in ops if name is None or (o.name and o.name.value == name)]
    return chosen[0].operation if len(chosen) == 1 else None


class OperationGate:
    """Turns (query, extensions, operation, variables) into the query to run, or refuses."""

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
    ) -> str | None:
        if self.persisted is not None:
            query = await self.persisted.resolve(query, extensions)
        if query is None:
            return None  # the view answers "no query" itself
        try:
            document = self._parse(query)
        except GraphQLError:
            return query  # a syntax error: the executor reports it as GRAPHQL_PARSE_FAILED
        check(document, operation_name, variables, self.limits)
        read_only = caller is not None and caller.read_only
        if read_only and _operation_type(document, operation_name) is OperationType.MUTATION:
            raise Refusal("FORBIDDEN", "this API key is read-only", 403)
        return query


_CHALLENGE = ((b"www-authenticate", b'Bearer realm="switchboard"'),)


class AuthMiddleware:
    """Authenticates GraphQL operations; puts the :class:`Caller` in ``scope["state"]``.

    Loading the GraphiQL page needs no key (it holds no data); every operation does.
    """

    def __init__(self, app: ASGIApp, authenticator: Authenticator, path: str = "/graphql") -> None:
        self.app = app
        self.authenticator = authenticator
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not is_ide_page(scope["method"], headers.get("accept", "")):
            try:
                scope.setdefault("state", {})["caller"] = self.authenticator.authenticate(headers)
            except AuthError as exc:
                await send_refusal(
                    send, exc, ((b"www-authenticate", b'Bearer realm="switchboard"'),)
                )
                return
        await self.app(scope, receive, send)
