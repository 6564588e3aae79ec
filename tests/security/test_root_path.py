"""Served under a root path (``uvicorn --root-path /api``), /api/graphql is guarded as
/graphql is: the checks decide on the path the router matches (route_path.py). They used
to compare scope["path"] itself, so such a request reached the endpoint with no CSRF or
body-size check and no authentication middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app
from gateway.config import Settings
from tests.processes import CLIENT_HEADERS

from .conftest import GATEWAY_KEYS, tenant_gateway

ROOT = "/api"
QUERY = "{ providers { name } }"


def _code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


@pytest.fixture
async def demo() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(demo=True))
    transport = httpx.ASGITransport(app=app, root_path=ROOT)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gw", headers=CLIENT_HEADERS) as c,
    ):
        yield c


async def test_csrf_and_body_size_are_checked_under_a_root_path(
    demo: httpx.AsyncClient,
) -> None:
    answered = await demo.post(f"{ROOT}/graphql", json={"query": QUERY})
    assert answered.status_code == 200
    assert answered.json()["data"]["providers"]
    simple = await demo.get(f"{ROOT}/graphql", params={"query": QUERY})
    assert (simple.status_code, _code(simple)) == (400, "CSRF_PREVENTED")
    form = await demo.post(f"{ROOT}/graphql", content=QUERY, headers={"content-type": "text/plain"})
    assert (form.status_code, _code(form)) == (400, "CSRF_PREVENTED")
    big = await demo.post(f"{ROOT}/graphql", json={"query": "{ " + "x " * 60_000 + "}"})
    assert (big.status_code, _code(big)) == (413, "PAYLOAD_TOO_LARGE")


async def test_a_key_is_needed_under_a_root_path() -> None:
    async with tenant_gateway(root_path=ROOT) as (client, _):
        anonymous = await client.post(f"{ROOT}/graphql", json={"query": QUERY})
        assert (anonymous.status_code, _code(anonymous)) == (401, "UNAUTHENTICATED")
        keyed = await client.post(
            f"{ROOT}/graphql",
            json={"query": QUERY},
            headers={"Authorization": f"Bearer {GATEWAY_KEYS['acme']}"},
        )
        assert keyed.status_code == 200
        assert keyed.json()["data"]["providers"]
