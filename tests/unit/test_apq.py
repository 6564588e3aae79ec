"""Automatic persisted queries and the safelist, at the protocol level."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from gateway.security.apq import (
    LRUQueryStore,
    PersistedQueries,
    PersistedQueryError,
    normalize,
    sha256_hex,
)

Q = "{ providers { name } }"


def ext(digest: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


async def code(fn: Callable[..., Awaitable[object]], *args: Any) -> tuple[str, int]:
    with pytest.raises(PersistedQueryError) as err:
        await fn(*args)
    return err.value.refusal_code, err.value.http_status


async def test_register_then_hash_only() -> None:
    apq = PersistedQueries(LRUQueryStore())
    assert await code(apq.resolve, None, ext(sha256_hex(Q))) == ("PERSISTED_QUERY_NOT_FOUND", 200)
    assert await apq.resolve(Q, ext(sha256_hex(Q))) == Q
    assert await apq.resolve(None, ext(sha256_hex(Q).upper())) == Q


async def test_hash_mismatch_is_refused_and_not_stored() -> None:
    store = LRUQueryStore()
    apq = PersistedQueries(store)
    assert await code(apq.resolve, Q, ext("0" * 64)) == ("PERSISTED_QUERY_HASH_MISMATCH", 400)
    assert await code(apq.resolve, Q, ext("abc")) == ("PERSISTED_QUERY_HASH_MISMATCH", 400)
    assert len(store) == 0


async def test_unsupported_version_and_missing_query() -> None:
    apq = PersistedQueries(LRUQueryStore())
    assert (await code(apq.resolve, Q, ext(sha256_hex(Q), version=2)))[
        0
    ] == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert await code(apq.resolve, None, None) == ("BAD_REQUEST", 400)


async def test_store_is_a_bounded_lru() -> None:
    store = LRUQueryStore(capacity=2)
    await store.set("a", "qa")
    await store.set("b", "qb")
    assert await store.get("a") == "qa"  # a is now the most recent
    await store.set("c", "qc")
    assert await store.get("b") is None
    assert await store.get("a") == "qa"
    assert len(store) == 2
    big = LRUQueryStore(max_query_bytes=10)
    await big.set("x", "y" * 11)
    assert await big.get("x") is None


async def test_safelist_runs_only_listed_operations() -> None:
    apq = PersistedQueries(LRUQueryStore(), safelist=[Q])
    canonical = normalize(Q)
    assert await apq.resolve(Q, None) == canonical
    assert await apq.resolve("{providers{name}}  # same operation", None) == canonical
    assert await apq.resolve(None, ext(sha256_hex(canonical))) == canonical
    other = "{ assistants { totalCount } }"
    assert await code(apq.resolve, other, None) == ("OPERATION_NOT_IN_SAFELIST", 400)
    assert await code(apq.resolve, other, ext(sha256_hex(other))) == (
        "OPERATION_NOT_IN_SAFELIST",
        400,
    )
