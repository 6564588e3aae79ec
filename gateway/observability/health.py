"""``/healthz`` (the process answers) and ``/readyz`` (it can serve traffic).

Readiness is judged over every runtime (one per tenant; one in all when no tenants are
configured). The replica is ready when the app has started, some runtime has a provider,
no provider client is closed, and **some breaker is not open**: it is not ready only when
every provider of every tenant has an open breaker, i.e. when all it could answer is
``UPSTREAM_UNAVAILABLE`` (typically this replica's own network is broken). A tenant whose
providers are all open does not make it unready: every replica shares the config, so one
tenant's outage (a tenant with one provider, a revoked key) would take every replica out
of the load balancer for every tenant. Such a tenant is counted in the body instead.
An open breaker turns half-open after its cool-down, so an unready replica becomes ready
again without traffic and the next requests probe the providers.

``/readyz`` is not authenticated, so its body names no tenant unless the config says so
(``readyz_tenant_names = true``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..model import ProviderName

UNKNOWN = "unknown"
DISABLED = "disabled"
OPEN = "open"
# Worst first: the state a provider shows when its tenants' breakers differ.
_SEVERITY = (OPEN, "half_open", "closed", DISABLED, UNKNOWN)


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
    closed = getattr(client, "is_closed", None)
    if closed is None:
        return UNKNOWN
    return "closed" if closed else "ready"


def _worst(states: list[str]) -> str:
    return min(states, key=lambda s: _SEVERITY.index(s) if s in _SEVERITY else len(_SEVERITY))


def runtimes_of(app_state: Any) -> Mapping[str | None, Any]:
    """Every tenant's runtime (``app.state.runtimes``), or the single ``app.state.runtime``."""
    runtimes = getattr(app_state, "runtimes", None)
    if runtimes:
        return dict(runtimes)
    runtime = getattr(app_state, "runtime", None)
    return {None: runtime} if runtime is not None else {}


def readiness(app_state: Any) -> tuple[bool, dict[str, Any]]:
    """(ready, body) by the rule in the module docstring."""
    runtimes = runtimes_of(app_state)
    started = bool(getattr(app_state, "started", False))
    if not runtimes:
        return False, {"status": "not ready", "config": "not loaded"}
    settings = next(iter(runtimes.values())).settings
    # tenant -> provider -> {"client": ..., "breaker": ...}
    per_tenant = {
        tenant: {
            p.value: {"client": _client_state(c), "breaker": breaker_state(runtime, p)}
            for p, c in runtime.clients.items()
        }
        for tenant, runtime in runtimes.items()
    }
    cells = [cell for providers in per_tenant.values() for cell in providers.values()]
    unavailable = [
        tenant
        for tenant, providers in per_tenant.items()
        if providers and all(c["breaker"] == OPEN for c in providers.values())
    ]
    reason = None
    if not started:
        reason = "not started, or shutting down"
    elif not cells:
        reason = "no provider is configured"
    elif any(c["client"] == "closed" for c in cells):
        reason = "a provider client is closed"
    elif all(c["breaker"] == OPEN for c in cells):
        reason = "every provider's circuit breaker is open"
    body: dict[str, Any] = {
        "status": "not ready" if reason else "ready",
        **({"reason": reason} if reason else {}),
        "config": "loaded",
        "demo": bool(settings.demo),
        "started": started,
        "providers": _by_provider(per_tenant),
        "tenants": {"count": len(runtimes), "unavailable": len(unavailable)},
    }
    if settings.readyz_tenant_names:
        body["by_tenant"] = {
            str(tenant): {"available": tenant not in unavailable, "providers": providers}
            for tenant, providers in per_tenant.items()
        }
    return reason is None, body


def _by_provider(per_tenant: dict[Any, dict[str, dict[str, str]]]) -> dict[str, Any]:
    """Each provider over the tenants that have it: the worst client and breaker state
    and how many tenants' breakers are in each state (counts, no names)."""
    merged: dict[str, list[dict[str, str]]] = {}
    for providers in per_tenant.values():
        for name, cell in providers.items():
            merged.setdefault(name, []).append(cell)
    return {
        name: {
            "client": "closed"
            if any(c["client"] == "closed" for c in cells)
            else cells[0]["client"],
            "breaker": _worst([c["breaker"] for c in cells]),
            "breakers": dict(Counter(c["breaker"] for c in cells)),
        }
        for name, cells in merged.items()
    }


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """200 when ready, 503 otherwise (before start-up, from the start of shutdown, and
    while every breaker is open); the body says why, naming no tenant unless configured."""
    ready, body = readiness(request.app.state)
    return JSONResponse(body, status_code=200 if ready else 503)
