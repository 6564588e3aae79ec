"""The request id: taken from ``X-Request-Id`` (or generated), kept in a contextvar.

The contextvar is what ties things together: log records read it (see
:mod:`gateway.observability.logging`), the upstream transport sends it on every provider
call (see :mod:`gateway.observability.metrics`), and the response carries it back.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
from random import getrandbits
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-Id"
_HEADER = REQUEST_ID_HEADER.lower().encode("latin-1")
# What we accept from a client: the characters of UUIDs, trace ids and the like. Anything
# else (too long, spaces, control characters) is replaced, so it cannot forge log lines.
_VALID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
# Polled often; logged at DEBUG so they do not drown the access log.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "switchboard_request_id", default=None
)
# Details of the current request that later code fills in (the GraphQL operation name).
_request_info: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "switchboard_request_info", default=None
)

access_log = logging.getLogger("switchboard.access")


def current_request_id() -> str | None:
    return _request_id.get()


def request_info() -> dict[str, Any] | None:
    """The mutable per-request details the access log line will include."""
    return _request_info.get()


def accept_request_id(value: str | None) -> str:
    """The client's id when it is well formed, a fresh one otherwise."""
    if value and _VALID.fullmatch(value):
        return value
    # Unique, not secret: the random module's generator, which reseeds in a forked worker,
    # costs no system call (os.urandom's getrandom was 8% of a response-cache hit).
    return f"{getrandbits(128):032x}"


class RequestIdMiddleware:
    """Pure ASGI middleware: sets the request id, echoes it, writes one access log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for key, value in scope.get("headers", ()):
            if key == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        rid = accept_request_id(incoming)
        rid_bytes = rid.encode("latin-1")
        info: dict[str, Any] = {}
        id_token = _request_id.set(rid)
        info_token = _request_info.set(info)
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                for name, _ in headers:
                    if name.lower() == _HEADER:
                        MutableHeaders(raw=headers)[REQUEST_ID_HEADER] = rid  # replaces it
                        break
                else:
                    headers.append((_HEADER, rid_bytes))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            access_log.exception("unhandled error")
            raise
        finally:
            path = scope.get("path", "")
            level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
            if access_log.isEnabledFor(level):
                access_log.log(
                    level,
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": path,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                        **info,
                    },
                )
            _request_info.reset(info_token)
            _request_id.reset(id_token)
