"""The GraphQL path straight to its endpoint, past Starlette's router.

Installed as the innermost middleware, inside every guard. Starlette's exception
middleware, router and route matching cost about a tenth of a response-cache hit (py-spy)
and do nothing for this path: the endpoint answers every method itself and turns its own
errors into coded JSON. Only the exact path the guards above check comes here; anything
else (another path, ``/graphql/``, a websocket, the lifespan) goes through the router as
before, and the router keeps its ``/graphql`` route.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from .protocol.route_path import route_path


class DirectRoute:
    """Pure ASGI middleware: HTTP requests for ``path`` go to ``endpoint``."""

    def __init__(self, app: ASGIApp, *, path: str, endpoint: ASGIApp) -> None:
        self.app = app
        self.path = path
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and route_path(scope) == self.path:
            await self.endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)
