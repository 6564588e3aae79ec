"""HTTP-level guards in front of the GraphQL view: body size and CSRF prevention.

CSRF: a browser sends a cross-site GET, or a POST with a "simple" content type, without
a CORS preflight. Such a request may only run an operation if it carries a header a
simple request cannot have (``X-Apollo-Operation-Name`` or ``Apollo-Require-Preflight``,
as Apollo clients send); JSON POSTs always preflight, so they pass. Loading GraphiQL
(``Accept: text/html``) is not an operation and passes too.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
PREFLIGHT_HEADERS = (b"x-apollo-operation-name", b"apollo-require-preflight")


def _error(status: int, code: str, message: str) -> tuple[int, bytes]:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return status, json.dumps(body).encode()


class RequestGuard:
    """Refuses oversized bodies (413) and CSRF-able operations (400) on ``path``."""

    def __init__(
        self, app: ASGIApp, *, path: str = "/graphql", max_body_bytes: int = 100_000
    ) -> None:
        self.app = app
        self.path = path
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        refusal = self._refuse(scope["method"], headers)
        if refusal is not None:
            await self._reply(send, *refusal)
            return
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._reply(send, *self._too_large())
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
                    await self._reply(send, *self._too_large())
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

    def _too_large(self) -> tuple[int, bytes]:
        return _error(413, "PAYLOAD_TOO_LARGE", f"request body exceeds {self.max_body_bytes} bytes")

    @staticmethod
    def _refuse(method: str, headers: dict[bytes, bytes]) -> tuple[int, bytes] | None:
        if any(h in headers for h in PREFLIGHT_HEADERS):
            return None
        content_type = (
            headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        )
        if method == "GET":
            if b"text/html" in headers.get(b"accept", b""):
                return None  # the GraphiQL page, not an operation
            return _error(
                400,
                "CSRF_PREVENTED",
                "GET operations need an X-Apollo-Operation-Name or Apollo-Require-Preflight header",
            )
        if method == "POST" and (not content_type or content_type in SIMPLE_TYPES):
            return _error(
                400, "CSRF_PREVENTED", "POST with a simple content type needs a preflight header"
            )
        return None

    @staticmethod
    async def _reply(send: Send, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
