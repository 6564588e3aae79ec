"""Automatic persisted queries (the Apollo protocol) and an optional operation safelist.

A client may send only ``extensions.persistedQuery.sha256Hash``; the gateway answers
from its store or with PERSISTED_QUERY_NOT_FOUND, and the client retries with the full
query, which is then stored. In safelist mode only the operations listed in advance run
and nothing new is stored.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
    print_ast,
)

from ..errors import Refusal


class PersistedQueryError(Refusal):
    """PERSISTED_QUERY_* and OPERATION_NOT_IN_SAFELIST refusals."""


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class QueryStore(Protocol):
    """Where persisted queries live. Async, so a shared backend fits: the in-memory
    :class:`LRUQueryStore`, or ``gateway.resilience.redis_cache.RedisQueryStore``."""

    async def get(self, digest: str) -> str | None: ...

    async def set(self, digest: str, query: str) -> None: ...


class LRUQueryStore:
    """A bounded in-memory store: the least recently used query goes first."""

    def __init__(self, capacity: int = 1000, max_query_bytes: int = 100_000) -> None:
        self._items: OrderedDict[str, str] = OrderedDict()
        self.capacity = capacity
        self.max_query_bytes = max_query_bytes

    async def get(self, digest: str) -> str | None:
        query = self._items.get(digest)
        if query is not None:
            self._items.move_to_end(digest)
        return query

    async def set(self, digest: str, query: str) -> None:
        if len(query) > self.max_query_bytes:
            return
        self._items[digest] = query
        self._items.move_to_end(digest)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class PersistedQueries:
    """Turns a request's ``query`` + ``extensions`` into the query text to run."""

    def __init__(self, store: QueryStore, safelist: Iterable[str] | None = None) -> None:
        self.store = store
        self.safelist = (
            {sha256_hex(normalize(q)): normalize(q) for q in safelist}
            if safelist is not None
            else None
        )

    async def resolve(
        self,
        query: str | None,
        extensions: Mapping[str, Any] | None,
        scope: str | None = None,
    ) -> str:
        """The query to run. ``scope`` (the caller's tenant) keys the store, so a tenant
        can neither read nor probe another tenant's registered queries."""
        persisted = (extensions or {}).get("persistedQuery")
        digest = None
        if persisted is not None:
            if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
                raise PersistedQueryError(
                    "PERSISTED_QUERY_NOT_SUPPORTED",
                    "only persistedQuery version 1 is supported",
                    400,
                )
            digest = persisted.get("sha256Hash")
            if not isinstance(digest, str) or len(digest) != 64:
                raise PersistedQueryError(
                    "PERSISTED_QUERY_HASH_MISMATCH", "sha256Hash must be 64 hex characters", 400
                )
            digest = digest.lower()
        if self.safelist is not None:
            return self._from_safelist(query, digest)
        if query is None:
            if digest is None:
                raise PersistedQueryError("BAD_REQUEST", "no GraphQL query in the request", 400)
            stored = await self.store.get(_scoped(scope, digest))
            if stored is None:
                # 200, as Apollo clients expect, so they resend the full query.
                raise PersistedQueryError(
                    "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", 200
                )
            return stored
        if digest is not None:
            if sha256_hex(query) != digest:
                raise PersistedQueryError(
                    "PERSISTED_QUERY_HASH_MISMATCH", "sha256Hash does not match the query", 400
                )
            await self.store.set(_scoped(scope, digest), query)
        return query

    def _from_safelist(self, query: str | None, digest: str | None) -> str:
        assert self.safelist is not None
        if query is not None:
            query = normalize(query)
        key = digest if digest is not None else (sha256_hex(query) if query is not None else None)
        if key is None:
            raise PersistedQueryError("BAD_REQUEST", "no GraphQL query in the request", 400)
        allowed = self.safelist.get(key)
        if allowed is None or (query is not None and query != allowed):
            raise PersistedQueryError(
                "OPERATION_NOT_IN_SAFELIST", "only safelisted operations may run", 400
            )
        return allowed


def _scoped(scope: str | None, digest: str) -> str:
    return digest if scope is None else f"{scope}:{digest}"


def normalize(query: str) -> str:
    """The canonical text of a document (graphql-core's printer), so that whitespace and
    comments do not matter; text that does not parse stays as it is (and matches nothing)."""
    try:
        return print_ast(parse(query, no_location=True))
    except GraphQLError:
        return query


def load_safelist(path: str) -> list[str]:
    """The operations of a ``.graphql`` file, each printed on its own with its fragments.

    Hash-only requests must use the SHA-256 of that printed (normalized) text.
    """
    with open(path, encoding="utf-8") as f:
        document = parse(f.read())
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    return [
        print_ast(DocumentNode(definitions=(op, *fragments)))
        for op in document.definitions
        if isinstance(op, OperationDefinitionNode)
    ]
