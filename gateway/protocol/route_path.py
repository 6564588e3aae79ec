"""The path the router matches: the request's path without the root path it is served at.

Behind a prefix (``uvicorn --root-path /api``), ``scope["path"]`` is ``/api/graphql`` and
``scope["root_path"]`` is ``/api``. Starlette's router strips the root path before it
matches, so a middleware comparing ``scope["path"]`` with ``/graphql`` let such a request
reach the endpoint with no CSRF or size check and no authentication middleware. Every
check keyed on the GraphQL path therefore decides with the router's own function: what is
guarded is exactly what the router will run.
"""

from __future__ import annotations

from starlette._utils import get_route_path
from starlette.types import Scope


def route_path(scope: Scope) -> str:
    """``scope``'s path as Starlette's router matches it."""
    return get_route_path(scope)
