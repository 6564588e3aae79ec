"""HTTP plumbing the emulators share: key checks, JSON bodies, documented error bodies.

Each emulator keeps its own routes, body shapes and documented 401 body; what is the
same everywhere (how a bearer or API-key header is checked, that the check comes before
anything else, reading an optional JSON body, turning a documented error into its
response) is written once here.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

Handler = Callable[[Request, Any], Any]
Endpoint = Callable[[Request], Awaitable[Response]]
Check = Callable[[Request], bool]


class EmulatorError(Exception):
    """A documented error answer: its status, the provider's own body and headers."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status, self.body, self.headers = status, body, headers

    def response(self) -> Response:
        return JSONResponse(self.body, self.status, self.headers)


def bearer(api_key: str) -> Check:
    """``Authorization: Bearer <api_key>`` (the scheme case-insensitive, as RFC 7235 says)."""

    def check(request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token == api_key

    return check


def key_header(header: str, api_key: str) -> Check:
    """The bare key in ``header`` (header names are case-insensitive)."""

    def check(request: Request) -> bool:
        return request.headers.get(header) == api_key

    return check


def authenticated(
    check: Check, unauthorized: Callable[[], Response]
) -> Callable[[Endpoint], Endpoint]:
    """``serve`` behind the key check: a request ``check`` refuses gets ``unauthorized()``
    (the provider's documented 401) before any other check or parameter is looked at."""

    def guard(serve: Endpoint) -> Endpoint:
        @wraps(serve)
        async def guarded(request: Request) -> Response:
            if not check(request):
                return unauthorized()
            return await serve(request)

        return guarded

    return guard


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
    authorized: Check,
    unauthorized: EmulatorError,
    status: int = 200,
) -> Endpoint:
    """The key check first, then ``handler(request, body)``; its return value is the JSON
    answer (``None``: an empty ``status`` answer), an :class:`EmulatorError` its error."""

    @authenticated(authorized, unauthorized.response)
    async def serve(request: Request) -> Response:
        try:
            result = handler(request, await json_body(request))
        except EmulatorError as err:
            return err.response()
        if result is None:
            return Response(status_code=status)
        return JSONResponse(result, status)

    return serve


__all__ = [
    "Check",
    "EmulatorError",
    "Endpoint",
    "Handler",
    "authenticated",
    "bearer",
    "endpoint",
    "json_body",
    "key_header",
]
