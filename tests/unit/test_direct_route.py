"""gateway/direct_route.py: /graphql goes straight to the endpoint, inside the guards;
everything else still goes through Starlette's router."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway.direct_route import DirectRoute


async def _endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    response = PlainTextResponse(f"direct {scope['method']} {scope.get('endpoint') is None}")
    await response(scope, receive, send)


def _app() -> Starlette:
    async def routed(request: Request) -> Response:
        return PlainTextResponse(f"routed {request.url.path}")

    return Starlette(
        routes=[Route("/graphql", routed), Route("/other", routed)],
        middleware=[Middleware(DirectRoute, path="/graphql", endpoint=_endpoint)],
    )


async def test_the_path_goes_to_the_endpoint_and_the_rest_to_the_router() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        direct = await client.post("/graphql")
        assert direct.text == "direct POST True"  # not through the router's route
        assert (await client.delete("/graphql")).text == "direct DELETE True"
        assert (await client.get("/other")).text == "routed /other"
        slash = await client.get("/graphql/", follow_redirects=False)
        assert slash.status_code == 307  # the router's own trailing-slash redirect
