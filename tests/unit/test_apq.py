"""Automatic persisted queries and the safelist, at the protocol level."""

from __future__ import annotations

import pytest

from gateway.security.apq import (
    LRUQueryStore,
    PersistedQueries,
    PersistedQueryError,
    normalize,
    sha256_hex,
)

Q = "{ providers { name } }"


def ext(digest: str, version: int = 1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


def code(fn, *args) -> tuple[str, int]:
    with pytest.raises(PersistedQueryError) as err:
        fn(*args)
    return err.value.error_code, err.value.http_status


def test_register_then_hash_only() -> None:
    apq = PersistedQueries(LRUQueryStore())
    assert code(apq.resolve, None, ext(sha256_hex(Q))) == ("PERSISTED_QUERY_NOT_FOUND", 200)
    assert apq.resolve(Q, ext(sha256_hex(Q))) == Q
    assert apq.resolve(None, ext(sha256_hex(Q).upper())) == Q


def test_hash_mismatch_is_refused_and_not_stored() -> None:
    store = LRUQueryStore()
    apq = PersistedQueries(store)
    assert code(apq.resolve, Q, ext("0" * 64)) == ("PERSISTED_QUERY_HASH_MISMATCH", 400)
    assert code(apq.resolve, Q, ext("abc")) == ("PERSISTED_QUERY_HASH_MISMATCH", 400)
    assert len(store) == 0


def test_unsupported_version_and_missing_query() -> None:
    apq = PersistedQueries(LRUQueryStore())
    assert code(apq.resolve, Q, ext(sha256_hex(Q), version=2))[0] == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert code(apq.resolve, None, None) == ("BAD_REQUEST", 400)


def test_store_is_a_bounded_lru() -> None:
    store = LRUQueryStore(capacity=2)
    store.set("a", "qa")
    store.set("b", "qb")
    assert store.get("a") == "qa"  # a is now the most recent
    store.set("c", "qc")
    assert store.get("b") is None and store.get("a") == "qa" and len(store) == 2
    big = LRUQueryStore(max_query_bytes=10)
    big.set("x", "y" * 11)
    assert big.get("x") is None


def test_safelist_runs_only_listed_operations() -> None:
    apq = PersistedQueries(LRUQueryStore(), safelist=[Q])
    canonical = normalize(Q)
    assert apq.resolve(Q, None) == canonical
    assert apq.resolve("{providers{name}}  # same operation", None) == canonical
    assert apq.resolve(None, ext(sha256_hex(canonical))) == canonical
    other = "{ assistants { totalCount } }"
    assert code(apq.resolve, other, None) == ("OPERATION_NOT_IN_SAFELIST", 400)
    assert code(apq.resolve, other, ext(sha256_hex(other))) == ("OPERATION_NOT_IN_SAFELIST", 400)
