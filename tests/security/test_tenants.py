"""Gateway keys map callers to tenants; no tenant ever receives another's data."""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
import pytest

from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import PROVIDER_ORDER

from .conftest import GATEWAY_KEYS, READ_ONLY_KEY, SEEDS, tenant_gateway

NUMBERS = "query($after: String) { phoneNumbers(first: 100, after: $after) { edges { cursor node { id number } } pageInfo { endCursor } } }"


async def post(
    client: httpx.AsyncClient, key: str | None, query: str, **variables: Any
) -> httpx.Response:
    headers = {"X-API-Key": key} if key else {}
    return await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


def world_numbers(tenant: str) -> set[str]:
    """Every number the tenant's accounts hold, at any provider."""
    config = EmulatorConfig(seed=SEEDS[tenant], numbers=12, assistants=3)
    return {n.e164 for p in PROVIDER_ORDER for n in create_emulator(p, config).state.world.numbers}


async def test_operations_need_a_known_key() -> None:
    async with tenant_gateway() as (client, _):
        for key in (None, "wrong-key"):
            r = await post(client, key, "{ providers { name } }")
            assert r.status_code == 401
            assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert "wrong-key" not in r.text
        r = await client.post(
            "/graphql",
            json={"query": "{ providers { name } }"},
            headers={"Authorization": f"Bearer {GATEWAY_KEYS['acme']}"},
        )
        assert r.status_code == 200
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200  # GraphiQL itself holds no data


async def test_each_tenant_sees_only_its_own_numbers() -> None:
    async with tenant_gateway() as (client, _):
        for tenant, key in GATEWAY_KEYS.items():
            r = await post(client, key, NUMBERS)
            numbers = {e["node"]["number"] for e in r.json()["data"]["phoneNumbers"]["edges"]}
            assert numbers, tenant
            assert numbers <= world_numbers(tenant), tenant
        assert not world_numbers("acme") & world_numbers("globex")


async def test_another_tenants_cursor_is_bad_cursor() -> None:
    async with tenant_gateway() as (client, _):
        r = await post(client, GATEWAY_KEYS["globex"], NUMBERS)
        globex_cursor = r.json()["data"]["phoneNumbers"]["edges"][3]["cursor"]
        r = await post(client, GATEWAY_KEYS["acme"], NUMBERS, after=globex_cursor)
        assert r.json()["errors"][0]["extensions"]["code"] == "BAD_CURSOR"
        assert r.json()["data"] is None


async def test_another_tenants_global_id_never_yields_its_data() -> None:
    async with tenant_gateway() as (client, _):
        r = await post(client, GATEWAY_KEYS["globex"], NUMBERS)
        globex_ids = [e["node"]["id"] for e in r.json()["data"]["phoneNumbers"]["edges"]]
        q = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on PhoneNumber { number } } }"
        r = await post(client, GATEWAY_KEYS["acme"], q, ids=globex_ids)
        seen = {n["number"] for n in r.json()["data"]["nodes"] if n}
        # Looked up with acme's own credentials: never a globex number.
        assert not seen & world_numbers("globex")
        assert seen <= world_numbers("acme")


async def test_read_only_key_cannot_mutate() -> None:
    async with tenant_gateway() as (client, emulators):
        r = await post(client, READ_ONLY_KEY, "{ phoneNumbers(first: 1) { nodes { id } } }")
        number_id = r.json()["data"]["phoneNumbers"]["nodes"][0]["id"]
        mutation = "mutation($id: ID!) { unlinkPhoneNumber(input: {phoneNumberId: $id}) { userErrors { code } } }"
        before = {n: app.state.control.requests.total() for n, app in emulators["acme"].items()}
        r = await post(client, READ_ONLY_KEY, mutation, id=number_id)
        assert r.status_code == 403
        assert r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        after = {n: app.state.control.requests.total() for n, app in emulators["acme"].items()}
        assert before == after  # refused before any upstream call
        r = await post(client, GATEWAY_KEYS["acme"], mutation, id=number_id)
        assert r.status_code == 200
        assert "errors" not in r.json()


async def test_ids_cannot_steer_upstream_urls() -> None:
    async with tenant_gateway() as (client, emulators):
        nasty = [
            "../../admin",
            "1?organization_id=other",
            "x/../../v1/agents",
            "%2e%2e%2fadmin",
            "a#frag",
            "\u0000",
        ]
        ids = [
            base64.b64encode(f"{kind}:{provider}:{native}".encode()).decode()
            for kind in ("Assistant", "PhoneNumber")
            for provider in ("burki", "butter", "flireo", "synthflow", "teli")
            for native in nasty
        ]
        q = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
        r = await post(client, GATEWAY_KEYS["acme"], q, ids=ids)
        assert r.status_code == 200
        assert all(n is None for n in r.json()["data"]["nodes"])
        for gid in ids[: len(ids) // 2]:  # one at a time: the get-one endpoints
            r = await post(
                client, GATEWAY_KEYS["acme"], "query($id: ID!) { node(id: $id) { id } }", id=gid
            )
            assert r.status_code == 200
            assert r.json()["data"]["node"] is None
        for app in emulators["acme"].values():
            for target in app.state.control.targets:
                path, _, query = target.partition("?")
                segments = path.split("/")
                assert ".." not in segments, target
                assert "." not in segments, target  # no traversal
                assert "other" not in query, target
                assert "#" not in target, target  # no injected params


async def test_no_secret_in_responses_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    from gateway.emulators.common import Fault
    from gateway.model import ProviderName

    from .conftest import UPSTREAM_KEYS

    caplog.set_level(logging.DEBUG)
    bodies = []
    async with tenant_gateway() as (client, emulators):
        acme = emulators["acme"]
        acme[ProviderName.BURKI].state.control.faults.append(Fault(status=401))
        acme[ProviderName.BUTTER].state.control.faults.append(Fault(status=500))
        acme[ProviderName.FLIREO].state.control.faults.append(Fault(malformed=True))
        acme[ProviderName.TELI].state.control.faults.append(Fault(drop=True))
        for key in (GATEWAY_KEYS["acme"], "not-a-key", READ_ONLY_KEY):
            r = await post(client, key, NUMBERS)
            bodies.append(r.text)
            r = await post(client, key, "{ nope }")
            bodies.append(r.text)
        metrics = await client.get("/metrics")
        bodies.append(metrics.text)
    assert any("UPSTREAM_UNAUTHORIZED" in b for b in bodies)
    everything = "\n".join(bodies) + "\n" + caplog.text
    for secret in [*UPSTREAM_KEYS.values(), *GATEWAY_KEYS.values(), READ_ONLY_KEY]:
        assert secret not in everything, secret


async def test_a_tenant_can_mutate_only_its_own_providers() -> None:
    async with tenant_gateway(only={"globex": ["flireo"]}) as (client, emulators):
        r = await post(
            client,
            GATEWAY_KEYS["acme"],
            "{ phoneNumbers(first: 1, filter: {providers: [BURKI]}) { nodes { id } } }",
        )
        burki_number = r.json()["data"]["phoneNumbers"]["nodes"][0]["id"]
        r = await post(client, GATEWAY_KEYS["globex"], "{ providers { name } }")
        assert [p["name"] for p in r.json()["data"]["providers"]] == ["FLIREO"]
        mutation = "mutation($id: ID!) { unlinkPhoneNumber(input: {phoneNumberId: $id}) { userErrors { code } } }"
        r = await post(client, GATEWAY_KEYS["globex"], mutation, id=burki_number)
        assert r.json()["data"]["unlinkPhoneNumber"]["userErrors"] == [
            {"code": "PHONE_NUMBER_NOT_FOUND"}
        ]
        for app in (*emulators["acme"].values(), *emulators["globex"].values()):
            paths = [t.partition("?")[0] for t in app.state.control.targets]
            assert not any("assign" in p for p in paths)  # no write anywhere
