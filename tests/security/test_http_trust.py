"""The HTTP surface against a hostile caller, over a real socket: a gateway with two
tenants and API keys (one read-only) in front of emulator processes.

Each test is one finding of issue 12; on the old endpoint each one failed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from gateway.security.apq import sha256_hex
from tests.processes import CLIENT_HEADERS, Served
from tests.stack import Stack, Tenant, emulator_stack, gateway

ACME, ACME_RO, GLOBEX = "gw-key-acme-trust", "gw-key-acme-trust-ro", "gw-key-globex-trust"
TENANTS = {
    "acme": Tenant({ACME: False, ACME_RO: True}, ["burki", "teli"]),
    "globex": Tenant({GLOBEX: False}, ["burki"]),
}
NUMBERS = "{ phoneNumbers(first: 2) { nodes { number } } }"
GRAPHQL_RESPONSE = "application/graphql-response+json"


@dataclass
class Deployment:
    stack: Stack
    strict: Served  # introspection off, batching on
    open: Served  # the defaults

    def client(self, server: Served | None = None) -> httpx.Client:
        return httpx.Client(base_url=(server or self.open).url, timeout=15, trust_env=False)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("trust")
    with (
        emulator_stack(tmp, ["burki", "teli"]) as stack,
        gateway(stack, TENANTS, name="open") as open_,
        gateway(
            stack,
            TENANTS,
            {"introspection": False, "batching": True, "max_batch_operations": 3},
            name="strict",
        ) as strict,
    ):
        yield Deployment(stack, strict, open_)
        for server in (open_, strict):
            log = server.log()
            assert "Traceback" not in log, log[-3000:]
            assert "unexpected error" not in log, log[-3000:]


def codes(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"].split(";")[0] in ("application/json", GRAPHQL_RESPONSE)
    return [e["extensions"]["code"] for e in response.json()["errors"]]


def post(c: httpx.Client, key: str | None, body: Any, **headers: str) -> httpx.Response:
    sent = {**CLIENT_HEADERS, "content-type": "application/json", **headers}
    if key is not None:
        sent["x-api-key"] = key
    return c.post("/graphql", content=json.dumps(body), headers=sent)


def test_no_caller_never_reaches_a_tenant(deployment: Deployment) -> None:
    with deployment.client() as c:
        for params in (
            {"query": NUMBERS},
            {"query": '{ nodes(ids: ["UGhvbmVOdW1iZXI6YnVya2k6MQ=="]) { id } }'},
            {"extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}})},
        ):
            r = c.get("/graphql", params=params, headers={"accept": "text/html"})
            assert r.status_code == 401, r.text
            assert codes(r) == ["UNAUTHENTICATED"], r.text
            assert "data" not in r.json()
        # The GraphiQL page itself needs no key: it holds no data.
        r = c.get("/graphql", headers={"accept": "text/html"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        r = post(c, None, {"query": NUMBERS})
        assert r.status_code == 401
        assert codes(r) == ["UNAUTHENTICATED"]


def _assigned_burki(c: httpx.Client) -> str:
    body = post(
        c,
        ACME,
        {
            "query": "{ phoneNumbers(first: 50, filter: {providers: [BURKI], status: ASSIGNED})"
            " { nodes { id } } }"
        },
    ).json()
    return str(body["data"]["phoneNumbers"]["nodes"][0]["id"])


def _still_assigned(c: httpx.Client, number_id: str) -> bool:
    query = f'{{ node(id: "{number_id}") {{ ... on PhoneNumber {{ status }} }} }}'
    return bool(post(c, ACME, {"query": query}).json()["data"]["node"]["status"] == "ASSIGNED")


def test_a_read_only_key_cannot_run_a_mutation(deployment: Deployment) -> None:
    with deployment.client() as c:
        number = _assigned_burki(c)
        mutation = (
            f'mutation B {{ unlinkPhoneNumber(input: {{phoneNumberId: "{number}"}})'
            " { userErrors { code } } }"
        )
        document = f"{mutation}\nquery A {{ providers {{ name }} }}"
        r = post(c, ACME_RO, {"query": document})
        assert r.status_code == 400
        assert codes(r) == ["OPERATION_RESOLUTION_FAILURE"]
        r = post(c, ACME_RO, {"query": document, "operationName": "B"})
        assert r.status_code == 403
        assert codes(r) == ["FORBIDDEN"]
        r = post(c, ACME_RO, {"query": document, "operationName": "A"})
        assert r.status_code == 200
        assert r.json()["data"]["providers"]
        # Through a fragment-free alias or as the only operation: still refused.
        r = post(c, ACME_RO, {"query": mutation.replace("mutation B", "mutation")})
        assert r.status_code == 403
        assert codes(r) == ["FORBIDDEN"]
        assert _still_assigned(c, number)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($n: Int) { phoneNumbers(first: $n) { totalCount } }", {"n": "100"}),
        ("query($n: Int) { phoneNumbers(first: $n) { totalCount } }", {"n": 1.5}),
        ("query($n: Int) { phoneNumbers(first: $n) { totalCount } }", {"n": True}),
        ("query($n: Int!) { phoneNumbers(first: $n) { totalCount } }", {}),
        (
            "query($f: PhoneNumberFilter) { phoneNumbers(filter: $f) { totalCount } }",
            {"f": "x"},
        ),
        (
            "query($f: PhoneNumberFilter) { phoneNumbers(filter: $f) { totalCount } }",
            {"f": {"status": "NOPE"}},
        ),
    ],
)
def test_variable_coercion_is_bad_user_input(
    deployment: Deployment, query: str, variables: dict[str, Any]
) -> None:
    with deployment.client() as c:
        r = post(c, ACME, {"query": query, "variables": variables})
        assert r.status_code == 400, r.text
        assert set(codes(r)) == {"BAD_USER_INPUT"}, r.text
        assert "data" not in r.json()
        legacy = post(c, ACME, {"query": query, "variables": variables}, accept="application/json")
        assert legacy.status_code == 200
        assert set(codes(legacy)) == {"BAD_USER_INPUT"}


LONE = "\ud800"


def test_lone_surrogates_are_refused_with_a_code(deployment: Deployment) -> None:
    search = "query($s: String) { phoneNumbers(filter: {search: $s}) { totalCount } }"
    with deployment.client() as c:
        for body in (
            {"query": search, "variables": {"s": LONE}},
            {"query": NUMBERS, "operationName": LONE},
            {"query": "{ providers { name } }" + LONE},
            {
                "query": "{ providers { name } }" + LONE,
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "a" * 64}},
            },
        ):
            r = post(c, ACME, body)  # json.dumps escapes it as \ud800
            assert r.status_code == 400, r.text
            assert codes(r) == ["BAD_REQUEST"], r.text
        r = c.get(
            "/graphql?query=%7B%20providers%20%7B%20name%20%7D%20%7D%ED%A0%80",
            headers={"x-api-key": ACME},
        )
        assert r.status_code == 400
        assert codes(r) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ([{"query": NUMBERS}], 400, "BATCHING_DISABLED"),
        ({"query": NUMBERS, "operationName": "Nope"}, 400, "OPERATION_RESOLUTION_FAILURE"),
        ({"query": NUMBERS, "operationName": ""}, 400, "OPERATION_RESOLUTION_FAILURE"),
        ({"query": NUMBERS, "variables": [1]}, 400, "BAD_REQUEST"),
        ({"query": NUMBERS, "variables": "{}"}, 400, "BAD_REQUEST"),
        ({"query": {"a": 1}}, 400, "BAD_REQUEST"),
        ({"query": NUMBERS, "extensions": 3}, 400, "BAD_REQUEST"),
        ({"query": NUMBERS, "operationName": 7}, 400, "BAD_REQUEST"),
        ({"notquery": NUMBERS}, 400, "BAD_REQUEST"),
        ("just a string", 400, "BAD_REQUEST"),
        ({"query": "{ phoneNumbers("}, 400, "GRAPHQL_PARSE_FAILED"),
    ],
)
def test_every_refusal_is_coded_json(
    deployment: Deployment, body: Any, status: int, code: str
) -> None:
    with deployment.client() as c:
        r = post(c, ACME, body)
        assert r.status_code == status, r.text
        assert codes(r) == [code], r.text


def test_transport_refusals_are_coded_json(deployment: Deployment) -> None:
    with deployment.client() as c:
        key = {"x-api-key": ACME}
        r = c.post(
            "/graphql", content=b"{not json", headers={**key, "content-type": "application/json"}
        )
        assert r.status_code == 400
        assert codes(r) == ["BAD_REQUEST"]
        r = c.get("/graphql", params={"query": "mutation { __typename }"}, headers=key)
        assert r.status_code == 405
        assert codes(r) == ["METHOD_NOT_ALLOWED"]
        assert r.headers["allow"] == "GET, POST"
        r = c.put("/graphql", json={"query": NUMBERS}, headers=key)
        assert r.status_code == 405
        assert codes(r) == ["METHOD_NOT_ALLOWED"]
        r = c.post("/graphql", content=b"{}", headers={**key, "content-type": "application/xml"})
        assert r.status_code == 415
        assert codes(r) == ["UNSUPPORTED_MEDIA_TYPE"]
        r = post(c, ACME, {"query": NUMBERS}, accept="text/csv")
        assert r.status_code == 406
        assert codes(r) == ["NOT_ACCEPTABLE"]
        r = c.post(
            "/graphql", content=NUMBERS, headers={**key, "content-type": "application/graphql"}
        )
        assert r.status_code == 200
        assert len(r.json()["data"]["phoneNumbers"]["nodes"]) == 2


def test_media_types_follow_graphql_over_http(deployment: Deployment) -> None:
    with deployment.client() as c:
        broken = {"query": "{ phoneNumbers("}
        r = post(c, ACME, broken, accept=GRAPHQL_RESPONSE)
        assert r.status_code == 400
        assert r.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in r.json()
        for accept in ("application/json", "*/*", ""):
            r = post(c, ACME, broken, accept=accept)
            assert r.status_code == 200, accept
            assert r.headers["content-type"].startswith("application/json"), accept
            assert codes(r) == ["GRAPHQL_PARSE_FAILED"]


def test_a_key_in_a_header_needs_no_csrf_header(deployment: Deployment) -> None:
    with deployment.client() as c:
        r = c.get("/graphql", params={"query": NUMBERS}, headers={"x-api-key": ACME})
        assert r.status_code == 200
        assert len(r.json()["data"]["phoneNumbers"]["nodes"]) == 2
        r = c.get(
            "/graphql", params={"query": NUMBERS}, headers={"authorization": f"Bearer {ACME}"}
        )
        assert r.status_code == 200


def test_persisted_queries_are_per_tenant(deployment: Deployment) -> None:
    query = "query Mine { providers { name pagination } }"
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}
    with deployment.client() as c:
        assert post(c, ACME, {"query": query, "extensions": ext}).status_code == 200
        r = post(c, ACME, {"extensions": ext})
        assert r.status_code == 200
        assert r.json()["data"]["providers"]
        r = post(c, GLOBEX, {"extensions": ext})
        assert codes(r) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_the_federation_sdl_follows_introspection(deployment: Deployment) -> None:
    sdl = {"query": "{ _service { sdl } }"}
    hidden = {"query": "query { ...S } fragment S on Query { _service { sdl } }"}
    with deployment.client(deployment.strict) as c:
        for body in (sdl, hidden):
            r = post(c, ACME, body)
            assert r.status_code == 400, r.text
            assert codes(r) == ["GRAPHQL_VALIDATION_FAILED"], r.text
    with deployment.client() as c:
        assert "type PhoneNumber" in post(c, ACME, sdl).json()["data"]["_service"]["sdl"]


def test_batches_authorize_each_operation(deployment: Deployment) -> None:
    mutation = 'mutation { unlinkPhoneNumber(input: {phoneNumberId: "x"}) { userErrors { code } } }'
    with deployment.client(deployment.strict) as c:
        r = post(c, ACME_RO, [{"query": NUMBERS}, {"query": mutation}, {"query": "{"}])
        assert r.status_code == 200
        first, second, third = r.json()
        assert len(first["data"]["phoneNumbers"]["nodes"]) == 2
        assert [e["extensions"]["code"] for e in second["errors"]] == ["FORBIDDEN"]
        assert [e["extensions"]["code"] for e in third["errors"]] == ["GRAPHQL_PARSE_FAILED"]
        r = post(c, ACME, [{"query": NUMBERS}] * 4)
        assert r.status_code == 400
        assert codes(r) == ["BATCH_TOO_LARGE"]
        r = post(c, ACME, [])
        assert r.status_code == 400
        assert codes(r) == ["BAD_REQUEST"]


def test_logs_hold_no_traceback(deployment: Deployment) -> None:
    """Everything above left no traceback (checked again when the module's servers stop)."""
    for server in (deployment.open, deployment.strict):
        assert "Traceback" not in server.log()


def test_a_malformed_id_is_null_at_its_index(deployment: Deployment) -> None:
    with deployment.client() as c:
        first = post(c, ACME, {"query": "{ phoneNumbers(first: 2) { nodes { id } } }"}).json()
        ids = [n["id"] for n in first["data"]["phoneNumbers"]["nodes"]]
        query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
        r = post(c, ACME, {"query": query, "variables": {"ids": [ids[0], "not-an-id", ids[1]]}})
        body = r.json()
        assert r.status_code == 200
        assert [n and n["id"] for n in body["data"]["nodes"]] == [ids[0], None, ids[1]]
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (["nodes", 1], "BAD_USER_INPUT")
        ]
