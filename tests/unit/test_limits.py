"""The static query limits: each has its code, and fragments cannot get around them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from gateway.security.limits import LimitExceeded, QueryLimits, check, measure, parse_limited

LIMITS = QueryLimits(
    max_depth=6, max_aliases=3, max_tokens=400, max_directives=3, max_root_fields=3, max_cost=500
)


def code_of(
    query: str, variables: dict[str, Any] | None = None, operation: str | None = None
) -> str | None:
    try:
        check(parse_limited(query, LIMITS), operation, variables, LIMITS)
    except LimitExceeded as exc:
        return exc.refusal_code
    return None


def test_a_normal_query_passes() -> None:
    assert code_of("{ phoneNumbers(first: 10) { nodes { id assistant { name } } } }") is None


def test_depth() -> None:
    deep = "{ assistants { nodes { phoneNumbers { nodes { assistant { phoneNumbers { nodes { id } } } } } } } }"
    assert code_of(deep) == "QUERY_TOO_DEEP"


def test_depth_hidden_in_fragments_is_counted() -> None:
    query = """
    { ...A }
    fragment A on Query { assistants { nodes { ...B } } }
    fragment B on Assistant { phoneNumbers { nodes { assistant { ...C } } } }
    fragment C on Assistant { phoneNumbers { nodes { id } } }
    """
    assert code_of(query) == "QUERY_TOO_DEEP"


def test_aliases() -> None:
    assert code_of(
        "{ a: providers { name } b: providers { name } c: providers { name } d: providers { name } }"
    ) in {
        "QUERY_TOO_MANY_ALIASES",
        "QUERY_TOO_MANY_ROOT_FIELDS",
    }
    query = "{ providers { a: name b: name c: name d: name } }"
    assert code_of(query) == "QUERY_TOO_MANY_ALIASES"


def test_aliases_in_a_fragment_count_per_spread() -> None:
    query = "{ providers { ...F ...F } } fragment F on ProviderInfo { a: name b: name }"
    assert code_of(query) == "QUERY_TOO_MANY_ALIASES"


def test_root_fields() -> None:
    assert (
        code_of(
            "{ providers { name } x: providers { name } phoneNumbers { totalCount } assistants { totalCount } }"
        )
        == "QUERY_TOO_MANY_ROOT_FIELDS"
    )


def test_directives() -> None:
    query = "{ providers @skip(if: false) @include(if: true) { name @skip(if: false) maxPageSize @skip(if: false) } }"
    assert code_of(query) == "QUERY_TOO_MANY_DIRECTIVES"


def test_tokens() -> None:
    query = "{ providers { " + " ".join(["name"] * 500) + " } }"
    assert code_of(query) == "QUERY_TOO_MANY_TOKENS"


def test_cost_uses_first_last_and_variables() -> None:
    nested = "query($n: Int) { assistants(first: $n) { nodes { phoneNumbers(first: 100) { nodes { id } } } } }"
    assert code_of(nested, {"n": 2}) is None
    assert code_of(nested, {"n": 100}) == "QUERY_TOO_COSTLY"
    literal = "{ assistants(last: 50) { nodes { phoneNumbers(last: 50) { nodes { id } } } } }"
    assert code_of(literal) == "QUERY_TOO_COSTLY"
    ids = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Assistant { phoneNumbers(first: 50) { nodes { id } } } } }"
    assert code_of(ids, {"ids": ["x"] * 20}) == "QUERY_TOO_COSTLY"


def test_fragment_cycles_terminate() -> None:
    query = "{ ...A } fragment A on Query { providers { name } ...B } fragment B on Query { ...A }"
    assert code_of(query) is None  # validation rejects the cycle; the walk must just end


def test_fragment_named_like_introspection_is_still_measured() -> None:
    query = """
    { ...__schema }
    fragment __schema on Query { assistants { nodes { phoneNumbers { nodes { assistant { phoneNumbers { nodes { id } } } } } } } }
    """
    assert code_of(query) == "QUERY_TOO_DEEP"


def test_exponential_fragment_expansion_is_refused_fast() -> None:
    levels = 30
    frags = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    frags.append(f"fragment F{levels} on Query {{ providers {{ name }} }}")
    query = "{ ...F0 } " + " ".join(frags)
    limits = QueryLimits(max_tokens=2000)
    started = time.perf_counter()
    with pytest.raises(LimitExceeded) as err:
        check(parse_limited(query, limits), None, None, limits)
    assert err.value.refusal_code == "QUERY_TOO_COMPLEX"
    assert time.perf_counter() - started < 1.0


def test_operation_name_selects_what_is_measured() -> None:
    query = "query Small { providers { name } } query Big { assistants(first: 100) { nodes { phoneNumbers(first: 100) { nodes { id } } } } }"
    assert code_of(query, operation="Small") is None
    assert code_of(query, operation="Big") == "QUERY_TOO_COSTLY"
    assert measure(parse_limited(query, LIMITS), "Small", None).root_fields == 1


def test_the_standard_introspection_query_passes() -> None:
    from graphql import get_introspection_query

    assert code_of(get_introspection_query(descriptions=True)) is None


def test_an_introspection_field_does_not_shield_siblings() -> None:
    query = "{ __schema { queryType { name } } assistants { nodes { phoneNumbers { nodes { assistant { phoneNumbers { nodes { id } } } } } } } }"
    assert code_of(query) == "QUERY_TOO_DEEP"
