"""The HTTP surface: limits with codes and statuses, persisted queries, CSRF, CORS,
introspection and suggestions switches."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from gateway.model import PROVIDER_ORDER
from gateway.security.apq import normalize, sha256_hex
from tests.e2e.conftest import open_gateway

DEEP = "{ assistants { nodes { phoneNumbers { nodes { assistant { phoneNumbers { nodes { assistant { phoneNumbers { nodes { assistant { name } } } } } } } } } } } }"
Q = "{ providers { name } }"


def code(r: httpx.Response) -> str:
    return str(r.json()["errors"][0]["extensions"]["code"])


async def test_limits_answer_400_with_their_code() -> None:
    async with open_gateway(security={"max_depth": 8, "max_aliases": 2, "max_cost": 1000}) as gw:
        c = gw.client
        r = await c.post("/graphql", json={"query": DEEP})
        assert r.status_code == 400
        assert code(r) == "QUERY_TOO_DEEP"
        r = await c.post(
            "/graphql",
            json={"query": "{ a: providers { name } b: providers { name } c: providers { name } }"},
        )
        assert r.status_code == 400
        assert code(r) == "QUERY_TOO_MANY_ALIASES"
        costly = "query($n: Int) { assistants(first: $n) { nodes { phoneNumbers(first: 100) { nodes { id } } } } }"
        r = await c.post("/graphql", json={"query": costly, "variables": {"n": 50}})
        assert r.status_code == 400
        assert code(r) == "QUERY_TOO_COSTLY"
        r = await c.post("/graphql", json={"query": "{ " + "providers { name } " * 2000 + "}"})
        assert r.status_code in (400, 413)
        r = await c.post("/graphql", json={"query": costly, "variables": {"n": 2}})
        assert r.status_code == 200
        assert "errors" not in r.json()


async def test_oversized_body_is_413() -> None:
    async with open_gateway(security={"max_body_bytes": 2000}) as gw:
        r = await gw.client.post("/graphql", json={"query": Q, "variables": {"pad": "x" * 5000}})
        assert r.status_code == 413
        assert code(r) == "PAYLOAD_TOO_LARGE"


async def test_automatic_persisted_queries_over_post_and_get() -> None:
    async with open_gateway() as gw:
        c = gw.client
        ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(Q)}}
        r = await c.post("/graphql", json={"extensions": ext})
        assert r.status_code == 200
        assert code(r) == "PERSISTED_QUERY_NOT_FOUND"
        r = await c.post("/graphql", json={"query": Q, "extensions": ext})
        assert len(r.json()["data"]["providers"]) == len(PROVIDER_ORDER)
        r = await c.get(
            "/graphql",
            params={"extensions": json.dumps(ext)},
            headers={"Apollo-Require-Preflight": "true", "Accept": "application/json"},
        )
        assert r.status_code == 200
        assert len(r.json()["data"]["providers"]) == len(PROVIDER_ORDER)
        bad = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
        r = await c.post("/graphql", json={"query": Q, "extensions": bad})
        assert r.status_code == 400
        assert code(r) == "PERSISTED_QUERY_HASH_MISMATCH"


async def test_safelist_mode(tmp_path: Path) -> None:
    listed = tmp_path / "operations.graphql"
    listed.write_text("query Providers { providers { name } }\n")
    async with open_gateway(security={"safelist_file": str(listed)}) as gw:
        r = await gw.client.post(
            "/graphql", json={"query": "query Providers {\n providers { name } }"}
        )
        assert r.status_code == 200
        assert len(r.json()["data"]["providers"]) == len(PROVIDER_ORDER)
        digest = sha256_hex(normalize("query Providers { providers { name } }"))
        ext = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        assert (await gw.client.post("/graphql", json={"extensions": ext})).status_code == 200
        r = await gw.client.post("/graphql", json={"query": "{ assistants { totalCount } }"})
        assert r.status_code == 400
        assert code(r) == "OPERATION_NOT_IN_SAFELIST"


async def test_csrf_prevention() -> None:
    async with open_gateway() as gw:
        c = gw.client
        r = await c.get("/graphql", params={"query": Q})
        assert r.status_code == 400
        assert code(r) == "CSRF_PREVENTED"
        r = await c.post(
            "/graphql", content=json.dumps({"query": Q}), headers={"Content-Type": "text/plain"}
        )
        assert r.status_code == 400
        assert code(r) == "CSRF_PREVENTED"
        r = await c.get("/graphql", params={"query": Q}, headers={"X-Apollo-Operation-Name": "P"})
        assert r.status_code == 200


async def test_cors_denied_by_default_and_configurable() -> None:
    headers = {
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    async with open_gateway() as gw:
        r = await gw.client.options("/graphql", headers=headers)
        assert "access-control-allow-origin" not in r.headers
        r = await gw.client.post(
            "/graphql", json={"query": Q}, headers={"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in r.headers
    async with open_gateway(security={"cors_origins": ["https://app.example"]}) as gw:
        ok = {**headers, "Origin": "https://app.example"}
        r = await gw.client.options("/graphql", headers=ok)
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        r = await gw.client.options("/graphql", headers=headers)
        assert r.headers.get("access-control-allow-origin") != "https://evil.example"
        # What Apollo Client, urql, Relay and graphql-request send, with keys in headers.
        sent = (
            "content-type, accept, authorization, x-api-key, apollo-require-preflight, "
            "x-apollo-operation-name, x-request-id"
        )
        r = await gw.client.options(
            "/graphql", headers={**ok, "Access-Control-Request-Headers": sent}
        )
        assert r.status_code == 200, r.text
        allowed = {h.strip() for h in r.headers["access-control-allow-headers"].split(",")}
        assert {h.strip() for h in sent.split(",")} <= {h.lower() for h in allowed}
        assert r.headers["access-control-max-age"] == "600"
        # A refusal still carries the CORS headers, so browser code can read its code.
        r = await gw.client.get(
            "/graphql", params={"query": "{ providers { name } }"}, headers={"Origin": ok["Origin"]}
        )
        assert r.status_code == 400
        assert code(r) == "CSRF_PREVENTED"
        assert r.headers["access-control-allow-origin"] == "https://app.example"


async def test_introspection_and_suggestions_can_be_switched_off() -> None:
    async with open_gateway(security={"introspection": False, "field_suggestions": False}) as gw:
        r = await gw.client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert r.status_code == 400
        assert code(r) == "GRAPHQL_VALIDATION_FAILED"
        r = await gw.client.post("/graphql", json={"query": "{ phoneNumber { id } }"})
        assert r.status_code == 400
        assert "Did you mean" not in r.text
    async with open_gateway() as gw:
        r = await gw.client.post("/graphql", json={"query": "{ phoneNumber { id } }"})
        assert "Did you mean" in r.text
