"""gateway/direct_route.py: /graphql goes through the user middleware straight to the
endpoint, past Starlette's own layers; everything else goes through Starlette as before."""

from __future__ import annotations

import httpx
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.direct_route import GatewayApp


class _Mark:
    """User middleware that leaves its mark, in the order it ran."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app, self.name = app, name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("marks", []).append(self.name)
        await self.app(scope, receive, send)


async def _endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    routed = "endpoint" in scope or "router" in scope
    text = f"direct {scope['method']} {routed} {','.join(scope['marks'])}"
    await PlainTextResponse(text)(scope, receive, send)


def _app() -> GatewayApp:
    async def routed(request: Request) -> Response:
        return PlainTextResponse(f"routed {request.url.path} {','.join(request.scope['marks'])}")

    return GatewayApp(
        path="/graphql",
        endpoint=_endpoint,
        routes=[Route("/graphql", routed), Route("/other", routed)],
        middleware=[Middleware(_Mark, name="outer"), Middleware(_Mark, name="inner")],
    )


async def test_the_path_goes_to_the_endpoint_and_the_rest_to_the_router() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        direct = await client.post("/graphql")
        assert direct.text == "direct POST False outer,inner"  # every middleware, no router
        assert (await client.delete("/graphql")).text == "direct DELETE False outer,inner"
        assert (await client.get("/other")).text == "routed /other outer,inner"
        slash = await client.get("/graphql/", follow_redirects=False)
        assert slash.status_code == 307  # the router's own trailing-slash redirect
