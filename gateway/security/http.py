"""HTTP-level guards in front of the GraphQL view: body size and CSRF prevention.

CSRF: a browser sends a cross-site GET, or a POST with a "simple" content type, without
a CORS preflight, carrying whatever ambient authority the browser has (its network
position in front of an unauthenticated gateway, cookies of a proxy). Such a request may
only run an operation if it carries a header a simple request cannot have: the gateway key
(``X-API-Key`` or ``Authorization``; a request that holds the key needs no ambient
authority, and a browser cannot add it cross-site without a preflight), or
``X-Apollo-Operation-Name`` / ``Apollo-Require-Preflight`` as Apollo clients send. JSON
POSTs always preflight, so they pass. Loading the GraphiQL page is not an operation.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import Refusal
from ..protocol.route_path import route_path

SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
PREFLIGHT_HEADERS = frozenset(
    {
        b"x-apollo-operation-name",
        b"apollo-require-preflight",
        b"x-api-key",
        b"authorization",
    }
)


def is_ide_page(method: str, accept: str, query_string: bytes = b"") -> bool:
    """A browser loading GraphiQL: a GET for HTML that names no operation. Anything with
    a ``query`` or ``extensions`` parameter is an operation, whatever it accepts."""
    if method != "GET" or "text/html" not in accept:
        return False
    names = {k for k, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)}
    return not names & {"query", "extensions"}


async def send_refusal(
    send: Send, refusal: Refusal, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    """Answer from ASGI middleware, before the view, with the GraphQL error shape."""
    body = json.dumps(
        {"errors": [{"message": refusal.message, "extensions": refusal.extensions()}]}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": refusal.http_status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """Refuses oversized bodies (413) and CSRF-able operations (400) on ``path``."""

    def __init__(
        self, app: ASGIApp, *, path: str = "/graphql", max_body_bytes: int = 100_000
    ) -> None:
        self.app = app
        self.path = path
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope) != self.path:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        refusal = self._refuse(scope["method"], headers, scope.get("query_string", b""))
        if refusal is not None:
            await send_refusal(send, refusal)
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and b"transfer-encoding" not in headers:
            if int(declared) > self.max_body_bytes:
                await send_refusal(send, self._too_large())
                return
            # The server reads exactly the declared length (HTTP/1.1 framing): nothing
            # more can arrive, so nothing needs counting.
            await self.app(scope, receive, send)
            return
        received = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes and not refused:
                    refused = True
                    await send_refusal(send, self._too_large())
                    return {"type": "http.disconnect"}  # the app stops reading here
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:  # once refused, whatever the app answers is dropped
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    def _too_large(self) -> Refusal:
        message = f"request body exceeds {self.max_body_bytes} bytes"
        return Refusal("PAYLOAD_TOO_LARGE", message, 413)

    @staticmethod
    def _refuse(method: str, headers: dict[bytes, bytes], query_string: bytes) -> Refusal | None:
        if not PREFLIGHT_HEADERS.isdisjoint(headers):
            return None
        content_type = (
            headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        )
        if is_ide_page(method, headers.get(b"accept", b"").decode("latin-1"), query_string):
            return None
        if method == "GET":
            return Refusal(
                "CSRF_PREVENTED",
                "GET operations need the gateway key in a header, or an X-Apollo-Operation-Name "
                "or Apollo-Require-Preflight header",
            )
        if method == "POST" and (not content_type or content_type in SIMPLE_TYPES):
            return Refusal(
                "CSRF_PREVENTED", "POST with a simple content type needs a preflight header"
            )
        return None
