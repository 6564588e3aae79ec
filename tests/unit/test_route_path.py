"""route_path.py decides as Starlette's router does (it uses a private helper of
Starlette's, so this pins it against the public ``Route.matches`` for the cases that
matter: with and without a root path, near misses included)."""

from __future__ import annotations

import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Match, Route

from gateway.protocol.route_path import route_path

GRAPHQL = Route("/graphql", PlainTextResponse("x"))


@pytest.mark.parametrize(
    ("path", "root_path"),
    [
        ("/graphql", ""),
        ("/api/graphql", "/api"),
        ("/api/graphql", ""),
        ("/graphql", "/api"),
        ("/apigraphql", "/api"),
        ("/api/graphql/", "/api"),
        ("/a/b/graphql", "/a/b"),
        ("/a/b/graphql", "/a"),
        ("/GRAPHQL", ""),
    ],
)
def test_route_path_matches_where_the_router_does(path: str, root_path: str) -> None:
    scope = {"type": "http", "path": path, "root_path": root_path, "method": "POST"}
    routed = GRAPHQL.matches(scope)[0] is Match.FULL
    assert (route_path(scope) == "/graphql") is routed
