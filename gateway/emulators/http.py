"""HTTP plumbing the emulators share: key checks, JSON bodies, documented error bodies.

Each emulator keeps its own routes and body shapes; what is the same everywhere (check
the key first, read an optional JSON body, turn a documented error into its response)
is written once here.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

Handler = Callable[[Request, Any], Any]


class EmulatorError(Exception):
    """A documented error answer: its status and the provider's own body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body

    def response(self) -> Response:
        return JSONResponse(self.body, self.status)


def bearer(api_key: str) -> Callable[[Request], bool]:
    """``Authorization: Bearer <api_key>`` (the scheme case-insensitive, as RFC 7235 says)."""

    def check(request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token == api_key

    return check


async def json_body(request: Request) -> Any:
    """The request's JSON body; ``None`` when it has none or it is not JSON."""
    raw = await request.body()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def endpoint(
    handler: Handler,
    *,
    authorized: Callable[[Request], bool],
    unauthorized: EmulatorError,
    status: int = 200,
) -> Callable[[Request], Awaitable[Response]]:
    """The key check first, then ``handler(request, body)``; its return value is the JSON
    answer (``None``: an empty ``status`` answer), an :class:`EmulatorError` its error."""

    async def serve(request: Request) -> Response:
        if not authorized(request):
            return unauthorized.response()
        try:
            result = handler(request, await json_body(request))
        except EmulatorError as err:
            return err.response()
        if result is None:
            return Response(status_code=status)
        return JSONResponse(result, status)

    return serve


__all__ = ["EmulatorError", "Handler", "bearer", "endpoint", "json_body"]
