"""The GraphQL path straight to its endpoint, past Starlette's own layers.

Starlette wraps every request in its error middleware, then the user middleware, its
exception middleware, the router and route matching. For ``/graphql`` none of Starlette's
own layers does anything: the endpoint answers every method itself and turns its own
errors into coded JSON (an error middleware would answer a plain-text 500). Together they
cost about a sixth of a response-cache hit (py-spy). :class:`GatewayApp` sends the exact
path the guards check through the same user middleware (every guard, in the same order)
to the endpoint; anything else (another path, ``/graphql/``, a websocket, the lifespan)
goes through Starlette as before, and the router keeps its ``/graphql`` route.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from .protocol.route_path import route_path


class DirectRoute:
    """Pure ASGI: HTTP requests for ``path`` go to ``endpoint``, the rest to ``app``."""

    def __init__(self, app: ASGIApp, *, path: str, endpoint: ASGIApp) -> None:
        self.app = app
        self.path = path
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and route_path(scope) == self.path:
            await self.endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def wrapped(endpoint: ASGIApp, middleware: Sequence[Middleware]) -> ASGIApp:
    """``endpoint`` inside ``middleware``, the first outermost (Starlette's order)."""
    app = endpoint
    for cls, args, kwargs in reversed(middleware):
        app = cls(app, *args, **kwargs)
    return app


class GatewayApp(Starlette):
    """Starlette, with ``path`` sent through the user middleware to ``endpoint`` alone."""

    def __init__(self, *, path: str, endpoint: ASGIApp, **options: Any) -> None:
        self.direct_path = path
        self.direct_endpoint = endpoint
        super().__init__(**options)

    def build_middleware_stack(self) -> ASGIApp:
        return DirectRoute(
            super().build_middleware_stack(),
            path=self.direct_path,
            endpoint=wrapped(self.direct_endpoint, self.user_middleware),
        )
