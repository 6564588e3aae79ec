"""Hostile GraphQL-over-HTTP requests against a keyed gateway process: every top-level
member of any JSON type, lone surrogates and NULs, documents with several operations with
and without ``operationName``, read-only and missing keys, GET and POST.

Whatever arrives: no 5xx, a GraphQL JSON body whose every error has a code that is not
INTERNAL_SERVER_ERROR, and no traceback in the log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.processes import Served
from tests.stack import Tenant, emulator_stack, gateway

FULL, READ_ONLY = "gw-key-fuzz-full", "gw-key-fuzz-ro"
TENANTS = {"acme": Tenant({FULL: False, READ_ONLY: True}, ["burki"])}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

NASTY = st.sampled_from(["\ud800", "\udfff", "a\x00b", "\x00", "\ufffe", "\U0010ffff", ""])
TEXT = st.one_of(
    NASTY, st.text(max_size=12), st.builds(lambda a, b: a + b, st.text(max_size=6), NASTY)
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)
OPERATIONS = st.sampled_from(
    [
        "{ providers { name } }",
        'query A { providers { name } } mutation B { unlinkPhoneNumber(input: {phoneNumberId: "x"}) { userErrors { code } } }',
        'mutation B { unlinkPhoneNumber(input: {phoneNumberId: "x"}) { userErrors { code } } } query A { providers { name } }',
        "query($n: Int!) { phoneNumbers(first: $n) { totalCount } }",
        "query($s: String) { phoneNumbers(filter: {search: $s}) { totalCount } }",
        "query($f: PhoneNumberFilter) { phoneNumbers(filter: $f) { totalCount } }",
        'query { nodes(ids: ["x", "UGhvbmVOdW1iZXI6YnVya2k6MQ=="]) { id } }',
        "subscription S { x }",
        "fragment F on Query { providers { name } }",
        "{",
    ]
)
QUERY = st.one_of(OPERATIONS, OPERATIONS.map(lambda q: q + "\ud800"), JSON_VALUES)
OPERATION_NAME = st.one_of(st.none(), st.sampled_from(["A", "B", "S", ""]), JSON_VALUES)
VARIABLES = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"n": JSON_VALUES, "s": JSON_VALUES, "f": JSON_VALUES}),
    JSON_VALUES,
)
EXTENSIONS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "persistedQuery": st.one_of(
                JSON_VALUES, st.fixed_dictionaries({"version": st.just(1), "sha256Hash": TEXT})
            )
        }
    ),
    JSON_VALUES,
)
MEMBERS = st.fixed_dictionaries(
    {},
    optional={
        "query": QUERY,
        "operationName": OPERATION_NAME,
        "variables": VARIABLES,
        "extensions": EXTENSIONS,
    },
)
BODIES = st.one_of(MEMBERS, st.lists(MEMBERS, max_size=3), JSON_VALUES)
KEYS = st.sampled_from([FULL, READ_ONLY, None])
ACCEPTS = st.sampled_from(
    ["application/graphql-response+json", "application/json", "*/*", "text/html", ""]
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("fuzz-http")
    with (
        emulator_stack(tmp, ["burki"], numbers=6) as stack,
        gateway(stack, TENANTS, {"batching": True}, name="fuzz") as served,
    ):
        yield served
        log = served.log()
        assert "Traceback" not in log, log[-3000:]


def check(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:500]
    if response.headers.get("content-type", "").startswith("text/html"):
        return  # the GraphiQL page
    body = response.json()
    results = body if isinstance(body, list) else [body]
    for result in results:
        for error in result.get("errors") or ():
            code = error["extensions"]["code"]
            assert code, error
            assert code != "INTERNAL_SERVER_ERROR", error


@FUZZ
@given(body=BODIES, key=KEYS, accept=ACCEPTS)
def test_post_bodies(server: Served, body: Any, key: str | None, accept: str) -> None:
    headers = {"content-type": "application/json", "accept": accept}
    if key is not None:
        headers["x-api-key"] = key
    content = json.dumps(body)  # lone surrogates leave as \\ud800 escapes
    check(httpx.post(f"{server.url}/graphql", content=content, headers=headers, trust_env=False))


@FUZZ
@given(members=MEMBERS, key=KEYS, accept=ACCEPTS, raw=st.binary(max_size=8))
def test_get_parameters(
    server: Served, members: dict[str, Any], key: str | None, accept: str, raw: bytes
) -> None:
    params = {
        name: value if isinstance(value, str) else json.dumps(value)
        for name, value in members.items()
    }
    # Lone surrogates as the bytes a careless client would send: %ED%A0%80 (not UTF-8).
    encoded = "&".join(
        f"{name}={quote(value.encode('utf-8', 'surrogatepass'))}" for name, value in params.items()
    )
    url = f"{server.url}/graphql?{encoded}&pad={quote(raw)}"
    headers = {"accept": accept}
    if key is not None:
        headers["x-api-key"] = key
    check(httpx.get(url, headers=headers, trust_env=False))
