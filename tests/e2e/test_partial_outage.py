"""A provider failing in the middle of a traversal: what each page holds, and that the
traversal still sees every item exactly once once the provider is back (README, "Partial
outages, page by page"). Nested connections degrade like top-level ones."""

from __future__ import annotations

from typing import Any

from gateway.emulators import EmulatorConfig
from gateway.emulators.common import Fault
from gateway.model import PROVIDER_ORDER, ProviderName

from .conftest import Gateway
from .outage import PAGE, fail, keys, outage_gateway, recover, world_keys
from .test_mutations import LINK, gid, read

BURKI, BUTTER, FLIREO = ProviderName.BURKI, ProviderName.BUTTER, ProviderName.FLIREO
THREE = {"providers": ["BURKI", "BUTTER", "FLIREO"]}
# No page cache and no failure memory: each page asks the upstreams afresh.
FRESH: dict[str, Any] = {"resilience": {"cache_ttl_seconds": 0, "failure_memory_seconds": 0}}


def worlds(**sizes: int) -> dict[ProviderName, EmulatorConfig]:
    return {
        p: EmulatorConfig(seed=7 + i, numbers=sizes.get(p.name.lower(), 0), assistants=3)
        for i, p in enumerate(PROVIDER_ORDER)
    }


def failures(body: dict[str, Any]) -> list[tuple[str, str, list[Any]]]:
    return [
        (e["extensions"]["code"], e["extensions"]["provider"], e["path"])
        for e in body.get("errors", [])
    ]


async def step(gw: Gateway, **args: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    body = await gw.query(PAGE, **args)
    return body, body["data"]["phoneNumbers"]


async def rest(gw: Gateway, conn: dict[str, Any], **args: Any) -> list[str]:
    """Page on from ``conn`` (forwards with ``first``, else backwards) to the end."""
    forward = "first" in args
    seen: list[str] = []
    while conn["pageInfo"]["hasNextPage" if forward else "hasPreviousPage"]:
        cursor = conn["pageInfo"]["endCursor" if forward else "startCursor"]
        body, conn = await step(gw, **args, **{"after" if forward else "before": cursor})
        assert "errors" not in body, body["errors"]
        seen = seen + keys(conn) if forward else keys(conn) + seen
    return seen


async def canonical(gw: Gateway, **args: Any) -> list[str]:
    """The whole list, read with nothing failing: the order every test compares with."""
    body, conn = await step(gw, first=100, **args)
    assert "errors" not in body
    return keys(conn) + await rest(gw, conn, first=100, **args)


async def test_cursor_issued_during_an_outage_still_reaches_the_failed_provider(
    docs_only: bool,
) -> None:
    """The issue's case: Butter down for pages 1 and 2, back for the rest."""
    w = worlds(burki=37, butter=101, flireo=60)
    async with outage_gateway(w, docs_only=docs_only, **FRESH) as gw:
        expected = await canonical(gw, filter=THREE)
        assert sorted(expected) == sorted(world_keys(w))
        fail(gw, BUTTER)
        # Page 1 is all Burki: Butter's failure cost it nothing, so it is not reported.
        body, conn = await step(gw, first=30, filter=THREE)
        assert "errors" not in body
        assert keys(conn) == expected[:30]
        seen = keys(conn)
        # Page 2: Burki's last 7, then Flireo; Butter skipped, and reported.
        body, conn = await step(gw, first=30, after=conn["pageInfo"]["endCursor"], filter=THREE)
        assert failures(body) == [("UPSTREAM_HTTP_ERROR", "butter", ["phoneNumbers"])]
        assert keys(conn) == expected[30:37] + expected[138:161]
        assert conn["pageInfo"]["hasNextPage"] is True
        seen += keys(conn)

        recover(gw)
        # The next page starts with what the outage skipped: Butter, from its start.
        body, conn = await step(gw, first=30, after=conn["pageInfo"]["endCursor"], filter=THREE)
        assert "errors" not in body
        assert keys(conn) == expected[37:67]
        seen += keys(conn) + await rest(gw, conn, first=30, filter=THREE)
    assert sorted(seen) == sorted(expected)  # every number, none twice
    # Butter's numbers, then Flireo's from where page 2 left it.
    assert seen[60:] == expected[37:138] + expected[161:]


async def test_provider_failing_midway_through_its_own_list_resumes_where_it_stopped(
    docs_only: bool,
) -> None:
    w = worlds(burki=5, butter=101, flireo=12)
    async with outage_gateway(w, docs_only=docs_only, **FRESH) as gw:
        expected = await canonical(gw, filter=THREE)
        body, conn = await step(gw, first=40, filter=THREE)
        seen = keys(conn)
        assert seen == expected[:40]
        fail(gw, BUTTER)
        body, conn = await step(gw, first=40, after=conn["pageInfo"]["endCursor"], filter=THREE)
        assert [f[1] for f in failures(body)] == ["butter"]
        seen += keys(conn)
        recover(gw)
        seen += await rest(gw, conn, first=40, filter=THREE)
    assert sorted(seen) == sorted(expected)


async def test_backwards_is_symmetric(docs_only: bool) -> None:
    w = worlds(burki=37, butter=41, flireo=60)
    async with outage_gateway(w, docs_only=docs_only, **FRESH) as gw:
        expected = await canonical(gw, filter=THREE)
        fail(gw, FLIREO)
        body, conn = await step(gw, last=30, filter=THREE)
        # The last provider failed: the page is Butter's last 30, Flireo is owed.
        assert [f[1] for f in failures(body)] == ["flireo"]
        assert keys(conn) == expected[48:78]
        assert conn["pageInfo"]["hasPreviousPage"] is True
        seen = keys(conn)
        recover(gw)
        body, conn = await step(gw, last=30, before=conn["pageInfo"]["startCursor"], filter=THREE)
        assert "errors" not in body
        assert keys(conn) == expected[108:138]
        seen = keys(conn) + seen
        seen = await rest(gw, conn, last=30, filter=THREE) + seen
    assert sorted(seen) == sorted(expected)


async def test_a_page_with_nothing_readable_repeats_from_the_same_cursor(docs_only: bool) -> None:
    w = worlds(burki=3, butter=8)
    async with outage_gateway(w, docs_only=docs_only, **FRESH) as gw:
        only = {"providers": ["BUTTER"]}
        body, conn = await step(gw, first=5, filter=only)
        after = conn["pageInfo"]["endCursor"]
        fail(gw, BUTTER)
        body, conn = await step(gw, first=5, after=after, filter=only)
        assert conn["edges"] == []
        assert failures(body)[0][:2] == ("UPSTREAM_HTTP_ERROR", "butter")
        # Continuing from endCursor (what every Relay client does) retries the same page.
        assert conn["pageInfo"] == {
            "hasNextPage": True,
            "hasPreviousPage": True,
            "startCursor": None,
            "endCursor": after,
        }
        recover(gw)
        body, conn = await step(gw, first=5, after=conn["pageInfo"]["endCursor"], filter=only)
        assert "errors" not in body
        assert len(conn["edges"]) == 3


NESTED = """{
  assistants(first: 100) {
    nodes { provider name phoneNumbers(first: 5) { totalCount nodes { number }
      pageInfo { hasNextPage endCursor } } }
  }
}"""


async def test_a_nested_connection_failing_keeps_the_rest_of_the_response(docs_only: bool) -> None:
    async with outage_gateway(
        worlds(burki=6, butter=6, flireo=6, synthflow=6, teli=6), docs_only=docs_only
    ) as gw:
        gw.fault(FLIREO, status=500, path_prefix="/v1/phone-numbers")
        body = await gw.query(NESTED)
    assert body["data"] is not None
    nodes = body["data"]["assistants"]["nodes"]
    assert len(nodes) == 3 * len(PROVIDER_ORDER)  # every provider's assistants, Flireo's included
    broken = [i for i, a in enumerate(nodes) if a["provider"] == "FLIREO"]
    for i in broken:
        assert nodes[i]["phoneNumbers"] == {
            "totalCount": 0,
            "nodes": [],
            "pageInfo": {"hasNextPage": True, "endCursor": None},
        }
    assert sorted(failures(body)) == sorted(
        ("UPSTREAM_HTTP_ERROR", "flireo", ["assistants", "nodes", i, "phoneNumbers"])
        for i in broken
    )
    healthy = [a for a in nodes if a["provider"] != "FLIREO"]
    assert sum(a["phoneNumbers"]["totalCount"] for a in healthy) > 0


async def test_a_failing_link_is_null_with_an_error_beside_the_numbers(docs_only: bool) -> None:
    query = "{ phoneNumbers(first: 100) { nodes { provider status assistant { name } } } }"
    async with outage_gateway(
        worlds(burki=6, butter=6, flireo=6, synthflow=6, teli=6), docs_only=docs_only
    ) as gw:
        gw.fault(BUTTER, status=500, path_prefix="/api/agents")
        body = await gw.query(query)
    nodes = body["data"]["phoneNumbers"]["nodes"]
    assert len(nodes) == 30
    linked = [
        i for i, n in enumerate(nodes) if n["provider"] == "BUTTER" and n["status"] == "ASSIGNED"
    ]
    assert linked
    assert all(nodes[i]["assistant"] is None for i in linked)
    assert {(code, p) for code, p, _ in failures(body)} == {("UPSTREAM_HTTP_ERROR", "butter")}
    assert {tuple(path) for _, _, path in failures(body)} == {
        ("phoneNumbers", "nodes", i, "assistant") for i in linked
    }


class FailReadsAfterWrite:
    """Flireo, whose number list fails once a write went through (the write succeeds):
    the read-back of a mutation's payload fails, nothing before it does."""

    def __init__(self, gw: Gateway) -> None:
        app = gw.emulators[FLIREO]
        self.inner = app.middleware_stack or app.build_middleware_stack()
        self.control = app.state.control
        app.middleware_stack = self

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.inner(scope, receive, send)
        if scope["type"] == "http" and scope["method"] == "POST":
            self.control.faults.append(Fault(status=500, path_prefix="/v1/phone-numbers"))


async def test_a_read_back_failing_after_a_write_keeps_the_mutation_payload(
    docs_only: bool,
) -> None:
    async with outage_gateway(worlds(flireo=12), docs_only=docs_only, **FRESH) as gw:
        data: Any = gw.emulators[FLIREO].state.data
        world = await read(gw, FLIREO)
        target = next(a for a, linked in data.linked.items() if linked)
        number = world.free(gw, FLIREO)
        FailReadsAfterWrite(gw)
        body = await gw.query(LINK, n=number["id"], a=gid("Assistant", FLIREO, target), c="c")
    payload = body["data"]["linkPhoneNumber"]  # the write happened: the payload says so
    assert payload["userErrors"] == []
    assert payload["clientMutationId"] == "c"
    assert payload["assistant"]["id"] == gid("Assistant", FLIREO, target)
    assert payload["releasedPhoneNumbers"] == []
    assert payload["phoneNumber"] is None
    assert {(code, p) for code, p, _ in failures(body)} == {("UPSTREAM_HTTP_ERROR", "flireo")}
    paths = {tuple(path[:2]) for _, _, path in failures(body)}
    assert ("linkPhoneNumber", "releasedPhoneNumbers") in paths
