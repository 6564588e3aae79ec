"""``/healthz`` (the process answers) and ``/readyz`` (it can serve traffic)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..model import ProviderName

UNKNOWN = "unknown"
DISABLED = "disabled"


def breaker_state(runtime: Any, provider: ProviderName) -> str:
    """The circuit breaker state of one provider: ``closed``, ``open``, ``half_open``,
    ``disabled`` (turned off in the config), or ``unknown`` (no breaker support).

    Looks for ``runtime.breakers[provider]`` or ``runtime.clients[provider].breaker``, each
    with a ``state`` (an enum or a string), so it needs nothing but that from resilience.
    """
    breaker = (getattr(runtime, "breakers", None) or {}).get(provider)
    if breaker is None:
        client = runtime.clients.get(provider)
        if hasattr(client, "breaker") and client.breaker is None:
            return DISABLED  # the client has breakers, this provider's is turned off
        breaker = getattr(client, "breaker", None)
    state = getattr(breaker, "state", None)
    if callable(state):
        state = state()
    if state is None:
        return UNKNOWN
    return str(getattr(state, "value", state)).lower()


def breaker_states(runtime: Any) -> dict[str, str]:
    return {p.value: breaker_state(runtime, p) for p in runtime.clients}


def _client_state(client: Any) -> str:
    http = getattr(client, "_client", None)
    closed = getattr(http, "is_closed", None)
    if closed is None:
        return UNKNOWN
    return "closed" if closed else "ready"


def readiness(app_state: Any) -> tuple[bool, dict[str, Any]]:
    runtime = getattr(app_state, "runtime", None)
    started = bool(getattr(app_state, "started", False))
    if runtime is None:
        return False, {"status": "not ready", "config": "not loaded"}
    providers = {
        p.value: {"client": _client_state(c), "breaker": breaker_state(runtime, p)}
        for p, c in runtime.clients.items()
    }
    ready = started and bool(providers) and all(p["client"] != "closed" for p in providers.values())
    body: dict[str, Any] = {
        "status": "ready" if ready else "not ready",
        "config": "loaded",
        "demo": bool(runtime.settings.demo),
        "started": started,
        "providers": providers,
    }
    return ready, body


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """503 until the app has started (and after it starts shutting down).

    An open breaker does not make the gateway unready: the other providers still answer,
    and taking every replica out of the load balancer for one provider would be worse.
    """
    ready, body = readiness(request.app.state)
    return JSONResponse(body, status_code=200 if ready else 503)
