"""The whole-response cache: a repeated query is answered without an upstream call, an
error is never cached, a write clears it, and GET queries carry validators."""

from __future__ import annotations

from typing import Any

import orjson

from gateway.model import ProviderName
from tests.ops.promtext import value

from .conftest import open_gateway

NUMBERS = "query($n: Int) { phoneNumbers(first: $n) { totalCount nodes { id number status } } }"
ON: dict[str, Any] = {"response_cache": True}


def cache_counts(text: str) -> tuple[float, float]:
    return value(text, "switchboard_response_cache_hits_total"), value(
        text, "switchboard_response_cache_misses_total"
    )


async def test_a_repeated_query_is_answered_without_executing() -> None:
    async with open_gateway(**ON) as gw:
        first = await gw.query(NUMBERS, n=5)
        metrics = (await gw.client.get("/metrics")).text
        assert cache_counts(metrics) == (0, 1)
        assert (
            "# HELP switchboard_response_cache_hits_total Queries answered from the "
            "whole-response cache, per tenant." in metrics
        )
        again = await gw.query(NUMBERS, n=5)
        assert again == first
        assert cache_counts((await gw.client.get("/metrics")).text) == (1, 1)
        other = await gw.query(NUMBERS, n=6)  # other variables: another entry
        assert len(other["data"]["phoneNumbers"]["nodes"]) == 6
        assert cache_counts((await gw.client.get("/metrics")).text) == (1, 2)


async def test_off_unless_asked_outside_demo_mode() -> None:
    async with open_gateway(response_cache=False) as gw:
        for _ in range(2):
            await gw.query(NUMBERS, n=5)
        assert cache_counts((await gw.client.get("/metrics")).text) == (0, 0)


async def test_responses_with_errors_are_not_cached() -> None:
    # No failure memory, breaker or retries: the recovery is seen at once.
    resilience = {"failure_memory_seconds": 0, "breaker_enabled": False, "max_attempts": 1}
    async with open_gateway(**ON, resilience=resilience) as gw:
        gw.fault(ProviderName.TELI, status=500)
        failed = await gw.query(NUMBERS, n=100)
        assert failed["errors"][0]["extensions"]["provider"] == "teli"
        gw.emulators[ProviderName.TELI].state.control.faults.clear()
        recovered = await gw.query(NUMBERS, n=100)
        assert "errors" not in recovered


async def test_a_write_clears_cached_responses() -> None:
    async with open_gateway(**ON) as gw:
        query = """{ phoneNumbers(first: 100, filter: {providers: [BURKI], status: ASSIGNED})
                     { totalCount nodes { id } } }"""
        before = await gw.query(query)
        number = before["data"]["phoneNumbers"]["nodes"][0]["id"]
        unlink = """mutation($id: ID!) { unlinkPhoneNumber(input: {phoneNumberId: $id})
                    { userErrors { code } } }"""
        result = await gw.query(unlink, id=number)
        assert result["data"]["unlinkPhoneNumber"]["userErrors"] == []
        after = await gw.query(query)
        total = before["data"]["phoneNumbers"]["totalCount"]
        assert after["data"]["phoneNumbers"]["totalCount"] == total - 1


async def test_get_queries_carry_an_etag_and_a_max_age() -> None:
    async with open_gateway(**ON) as gw:
        params = {"query": "{ providers { name } }"}
        headers = {"apollo-require-preflight": "true"}
        r = await gw.client.get("/graphql", params=params, headers=headers)
        assert r.status_code == 200
        assert r.json()["data"]["providers"]
        etag = r.headers["etag"]
        assert r.headers["cache-control"].startswith("public, max-age=")
        assert "Authorization" in r.headers["vary"]
        again = await gw.client.get(
            "/graphql", params=params, headers={**headers, "if-none-match": etag}
        )
        assert again.status_code == 304
        assert again.content == b""


async def test_a_repeated_body_is_recognised_and_counted_once() -> None:
    """A POST with the bytes of a stored query's body is looked up without parsing it
    again; other bytes for the same operation still find it by its key, a batch never
    does, and a remembered body whose response was cleared counts one miss, not two."""
    query = "{ phoneNumbers(first: 100, filter: {providers: [BURKI], status: ASSIGNED}) { totalCount nodes { id } } }"
    body = orjson.dumps({"query": query})
    spaced = orjson.dumps({"query": query}, option=orjson.OPT_INDENT_2)
    json_type = {"content-type": "application/json"}
    async with open_gateway(**ON, security={"batching": True}) as gw:

        async def post(content: bytes, headers: dict[str, str] = json_type) -> Any:
            response = await gw.client.post("/graphql", content=content, headers=headers)
            assert response.status_code == 200
            return response.json()

        async def counts() -> tuple[float, float]:
            return cache_counts((await gw.client.get("/metrics")).text)

        first = await post(body)
        assert await counts() == (0, 1)
        assert await post(body) == first  # recognised by its bytes
        assert await post(spaced) == first  # parsed, found by its key
        charset = {"content-type": "application/json; charset=utf-8"}
        assert await post(body, charset) == first
        assert await counts() == (3, 1)
        batch = await post(b"[" + body + b"]")
        assert batch == [first]
        assert await counts() == (3, 1)  # a batch is neither served nor stored
        number = first["data"]["phoneNumbers"]["nodes"][0]["id"]
        unlink = """mutation($id: ID!) { unlinkPhoneNumber(input: {phoneNumberId: $id})
                    { userErrors { code } } }"""
        assert (await gw.query(unlink, id=number))["data"]["unlinkPhoneNumber"] == {
            "userErrors": []
        }
        assert await counts() == (3, 1)  # a mutation is no miss of a query cache
        after = await post(body)  # remembered, but the write cleared its response
        total = first["data"]["phoneNumbers"]["totalCount"]
        assert after["data"]["phoneNumbers"]["totalCount"] == total - 1
        assert await counts() == (3, 2)
        assert await post(body) == after
        assert await counts() == (4, 2)
        invalid = {"query": "{ phoneNumbers { "}
        refused = (await gw.client.post("/graphql", json=invalid)).json()
        assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        assert await counts() == (4, 2)  # nor is a document the gate refuses
