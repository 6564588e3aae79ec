"""Bad input and failing upstreams give coded errors, never a 500 or a traceback."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from gateway.model import PROVIDER_ORDER, ProviderName

from .conftest import Gateway, GatewayFactory

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String, $filter: PhoneNumberFilter) {
  phoneNumbers(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    edges { cursor node { id provider } }
    pageInfo { endCursor }
  }
}
"""


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@pytest.mark.parametrize(
    "args",
    [{"first": 101}, {"first": -1}, {"last": 500}, {"last": -3}, {"first": 2, "last": 2}],
)
async def test_bad_page_sizes_are_bad_user_input(gateway: Gateway, args: dict[str, Any]) -> None:
    body = await gateway.query(PAGE, **args)
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["data"] is None


async def test_max_page_size_is_configurable(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(max_page_size=10)
    assert codes(await gw.query(PAGE, first=11)) == ["BAD_USER_INPUT"]
    assert len((await gw.data(PAGE, first=10))["phoneNumbers"]["edges"]) == 10


async def test_tampered_cursor_is_bad_cursor(gateway: Gateway) -> None:
    cursor = (await gateway.data(PAGE, first=2))["phoneNumbers"]["pageInfo"]["endCursor"]
    head, _, sig = cursor.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(head + "=="))
    payload["i"] += 5
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    for bad in (f"{forged}.{sig}", "garbage", "", cursor[:-3] + "AAA"):
        body = await gateway.query(PAGE, first=2, after=bad)
        assert codes(body) == ["BAD_CURSOR"], bad


async def test_foreign_cursor_is_bad_cursor(gateway: Gateway) -> None:
    q = "{ assistants(first: 1) { pageInfo { endCursor } } }"
    assistant_cursor = (await gateway.data(q))["assistants"]["pageInfo"]["endCursor"]
    assert codes(await gateway.query(PAGE, first=2, after=assistant_cursor)) == ["BAD_CURSOR"]
    cursor = (await gateway.data(PAGE, first=2))["phoneNumbers"]["pageInfo"]["endCursor"]
    other_filter = {"status": "AVAILABLE"}
    assert codes(await gateway.query(PAGE, first=2, after=cursor, filter=other_filter)) == [
        "BAD_CURSOR"
    ]


async def test_expired_cursor_is_bad_cursor(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(cursor_ttl_seconds=60)
    cursor = (await gw.data(PAGE, first=2))["phoneNumbers"]["pageInfo"]["endCursor"]
    runtime = gw.app.state.runtime
    issued = runtime.clock
    runtime.clock = lambda: issued() + 120  # two minutes later, by the runtime's own clock
    assert codes(await gw.query(PAGE, first=2, after=cursor)) == ["BAD_CURSOR"]


@pytest.mark.parametrize(
    "gid",
    [
        "nope",
        base64.b64encode(b"Foo:burki:1").decode(),
        base64.b64encode(b"PhoneNumber:acme:1").decode(),
    ],
)
async def test_bad_global_id_is_bad_user_input(gateway: Gateway, gid: str) -> None:
    body = await gateway.query("query($id: ID!) { node(id: $id) { id } }", id=gid)
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_failing_provider_gives_partial_data(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(numbers=4)
    gw.fault(ProviderName.FLIREO, status=500)
    body = await gw.query(PAGE, first=100)
    providers = {e["node"]["provider"] for e in body["data"]["phoneNumbers"]["edges"]}
    assert providers == {p.name for p in PROVIDER_ORDER} - {"FLIREO"}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_HTTP_ERROR"
    assert error["extensions"]["provider"] == "flireo"
    assert error["path"] == ["phoneNumbers"]
    assert "injected" not in json.dumps(body)  # the upstream body never reaches clients


async def test_unauthorized_upstream_names_provider_without_secret(
    make_gateway: GatewayFactory,
) -> None:
    gw = await make_gateway(numbers=2)
    gw.fault(ProviderName.TELI, status=401)
    body = await gw.query(PAGE, first=100)
    assert {(e["extensions"]["code"], e["extensions"]["provider"]) for e in body["errors"]} == {
        ("UPSTREAM_UNAUTHORIZED", "teli")
    }
    assert "demo-key" not in json.dumps(body)


async def test_syntax_and_validation_errors_have_codes(gateway: Gateway) -> None:
    # GraphQL-over-HTTP: a request that cannot execute at all is a 400.
    assert codes(await gateway.query("{ phoneNumbers(", _status=400)) == ["GRAPHQL_PARSE_FAILED"]
    body = await gateway.query("{ phoneNumbers { nope } }", _status=400)
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_one_failing_provider_is_one_error_per_field(make_gateway: GatewayFactory) -> None:
    gw = await make_gateway(numbers=4)
    gw.fault(ProviderName.BUTTER, status=500)
    body = await gw.query("{ phoneNumbers(first: 100) { totalCount edges { node { id } } } }")
    assert [(e["extensions"]["provider"], e["path"]) for e in body["errors"]] == [
        ("butter", ["phoneNumbers"])
    ]
    assert body["data"]["phoneNumbers"]["totalCount"] == 4 * (len(PROVIDER_ORDER) - 1)
