"""Body-size and CSRF guards, over HTTP against a small app behind them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.security.http import RequestGuard


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"size": len(await request.body())})


def client(limit: int = 1000) -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/graphql", echo, methods=["GET", "POST"])])
    guarded = RequestGuard(app, max_body_bytes=limit)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded), base_url="http://t")


def code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_json_post_passes() -> None:
    async with client() as c:
        r = await c.post("/graphql", json={"query": "{ a }"})
        assert r.status_code == 200


async def test_declared_and_streamed_oversize_bodies_are_413() -> None:
    async with client(limit=100) as c:
        r = await c.post(
            "/graphql", content=b"x" * 101, headers={"content-type": "application/json"}
        )
        assert r.status_code == 413
        assert code(r) == "PAYLOAD_TOO_LARGE"

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(5):
                yield b"y" * 40

        r = await c.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413


async def test_simple_requests_need_a_preflight_header() -> None:
    async with client() as c:
        for content_type in (
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ):
            r = await c.post("/graphql", content=b"{}", headers={"content-type": content_type})
            assert r.status_code == 400, content_type
            assert code(r) == "CSRF_PREVENTED", content_type
        r = await c.get("/graphql", params={"query": "{ a }"})
        assert r.status_code == 400
        assert code(r) == "CSRF_PREVENTED"
        r = await c.get(
            "/graphql", params={"query": "{ a }"}, headers={"Apollo-Require-Preflight": "1"}
        )
        assert r.status_code == 200
        r = await c.post(
            "/graphql",
            content=b"{}",
            headers={"content-type": "text/plain", "x-apollo-operation-name": "Q"},
        )
        assert r.status_code == 200


async def test_graphiql_page_load_passes() -> None:
    async with client() as c:
        r = await c.get("/graphql", headers={"accept": "text/html"})
        assert r.status_code == 200
