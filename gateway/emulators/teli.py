"""Teli emulator: the documented partner API (docs.teli.ai/partner-api).

Teli keeps two number pools. World numbers with an even index are *voice* numbers
(``/v1/voice/phone-numbers``), linked to agents by ``inbound_agent_id`` and
``outbound_agent_id``; odd ones are *SMS* numbers (``/v1/sms/phone-numbers``), which Teli
assigns to users, not agents, so a world assistant becomes a synthetic user there. No list
is paged: every response carries the whole (filtered) list and its ``count``.

Linking: ``POST /v1/voice/phone-numbers/{phone_number}/update-agent`` (the E.164 in the
path) sets ``inbound_agent_id``, ``outbound_agent_id`` and ``nickname``; at least one is
required, and ``""`` or ``null`` clears an agent. It overwrites whatever was set: a
number moves between agents. SMS numbers are not voice numbers and cannot take an agent.

Docs-only mode (``EmulatorConfig.docs_only``): ``GET /v1/agents/{agent_id}`` answers in a
shape of its own (``{success, data}``: the docs show that it exists, not what it returns),
voice numbers' ``created_at`` is ``{}``, as the schema types it, and a voice number's
``inbound_agent_id``/``outbound_agent_id`` hold the agent's ``voice_agent_id`` (the docs'
example ``"agent_abc123"`` has that format): update-agent takes only that id (an
``agent_id`` is the documented 404 "Agent not found") and stores it. ``unique_id`` is
the row UUID rather than the ``agent_id``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .common import (
    EPOCH,
    EmulatorConfig,
    Record,
    WorldAssistant,
    WorldNumber,
    bool_param,
    build_app,
    iso,
    make_world,
    stable_hex,
    stable_uuid,
)
from .http import EmulatorError, Endpoint, authenticated, key_header

POWERED_BY = "Teli"


@dataclass
class TeliState:
    """The native records; linking endpoints mutate them in place."""

    sms_numbers: list[Record]
    voice_numbers: list[Record]
    agents: list[Record]
    agents_by_id: dict[str, Record]  # the same dicts as ``agents``


def bubble_id(namespace: str, index: int, at: datetime) -> str:
    """A Bubble-style unique_id: creation time in ms, ``x``, 18 digits."""
    digits = int(stable_hex(namespace, index, 16), 16) % 10**18
    return f"{int(at.timestamp() * 1000)}x{digits:018d}"


def pretty(e164: str) -> str:
    """``+14155551234`` -> ``+1 415-555-1234``, the documented display format."""
    national = e164[2:]
    return f"+1 {national[:3]}-{national[3:6]}-{national[6:]}"


@functools.cache
def _teammate_id(index: int) -> str:
    return bubble_id("teli-user", index, EPOCH)


def teammate(index: int) -> Record:
    """The synthetic user that world assistant ``index`` stands for on the SMS side."""
    return {
        "user_id": _teammate_id(index),
        "email": f"teammate{index + 1}@example.com",
        "name": f"Teammate {index + 1}",
    }


def _agent(a: WorldAssistant, config: EmulatorConfig, tenant_id: str) -> Record:
    agent_id = bubble_id("teli-agent", a.index, a.created_at)
    return {
        "agent_id": agent_id,
        # ASSUMPTION: unique_id is the Bubble id (same as agent_id) and id is a row UUID.
        "unique_id": stable_uuid("teli-agent", a.index) if config.docs_only else agent_id,
        "id": stable_uuid("teli-agent", a.index),
        "agent_name": a.name,
        "agent_type": "voice",
        "agent_status": "active" if a.active else "inactive",
        "greeting_prompt": f"Hello, this is {a.name}.",
        "general_prompt": "You are a helpful phone agent.",
        "follow_up_prompt": None,
        "organization_id": config.organization_id,
        "created_by_user_id": config.user_id if a.index % 3 else _teammate_id(0),
        "tenant_id": tenant_id,
        "visibility": "private",
        "accessible_users": [],
        "voice_agent_id": f"agent_{stable_hex('teli-voice-agent', a.index, 24)}",
        "voice_llm_id": f"llm_{stable_hex('teli-voice-llm', a.index, 24)}",
        "voice_id": "11labs-Adrian",
        "voice_speed": 1.0,
        "voice_emotion": None,
        "first_sentence": f"Hi, {a.name} speaking.",
        "is_sms_agent": False,
        "created_at": iso(a.created_at),
        "modified_at": iso(a.created_at + timedelta(days=1)),
    }


def _voice_number(
    n: WorldNumber, agents: list[Record], config: EmulatorConfig, tenant_id: str
) -> Record:
    # ASSUMPTION: inbound/outbound_agent_id hold the agent's agent_id, not its voice_agent_id.
    agent_id = agents[n.assistant][_link_key(config)] if n.assistant is not None else None
    return {
        "phone_number": n.e164,
        "pretty_phone_number": pretty(n.e164),
        "id": stable_uuid("teli-voice-number", n.index),
        "area_code": n.e164[2:5],
        "phone_type": "voice",
        "provider": "teli_voice",
        "user_id": config.user_id if n.index % 3 else _teammate_id(0),
        "organization_id": config.organization_id,
        "tenant_id": tenant_id,
        "outbound_agent_id": agent_id if n.index % 4 == 0 else None,
        "inbound_agent_id": agent_id,
        "nickname": n.label,
        "location": n.locality,
        "accessible_by": [],
        "stripe_subscription_id": f"sub_{stable_hex('teli-sub', n.index, 24)}",
        "zapier": n.index % 5 == 0,
        # ASSUMPTION: created_at (typed {} in the schema) is an ISO timestamp like on SMS numbers.
        "created_at": {} if config.docs_only else iso(n.created_at),
    }


def _link_key(config: EmulatorConfig) -> str:
    """The agent field a voice number's agent ids hold (docs-only: ``voice_agent_id``)."""
    return "voice_agent_id" if config.docs_only else "agent_id"


def _sms_number(n: WorldNumber) -> Record:
    user = teammate(n.assistant) if n.assistant is not None else None
    return {
        "id": stable_uuid("teli-sms-number", n.index),
        "phone_number": n.e164,
        "pretty_phone_number": pretty(n.e164),
        "nickname": n.label,
        "is_available": user is None,
        "assigned_to": user,
        "assigned_at": iso(n.created_at + timedelta(days=1)) if user else None,
        "created_at": iso(n.created_at),
    }


UNAUTHORIZED = EmulatorError(401, {"error": "Invalid API key", "powered_by": POWERED_BY})


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message, "success": False, "powered_by": POWERED_BY}, status)


def create_app(config: EmulatorConfig) -> Starlette:
    world = make_world(
        config.seed, config.numbers, config.assistants, provider="teli", present=config.present
    )
    tenant_id = bubble_id("teli-tenant", 0, EPOCH)
    agents = [_agent(a, config, tenant_id) for a in world.assistants]
    state = TeliState(
        sms_numbers=[_sms_number(n) for n in world.numbers if n.index % 2],
        voice_numbers=[
            _voice_number(n, agents, config, tenant_id) for n in world.numbers if n.index % 2 == 0
        ],
        agents=agents,
        agents_by_id={a["agent_id"]: a for a in agents},
    )
    # update-agent: every id it accepts -> the id it stores on the number.
    # ASSUMPTION: update-agent takes the agent_id (the docs' words), not only the
    # voice_agent_id (their example's format); docs-only takes only the example's.
    link_ids = {a[_link_key(config)]: a[_link_key(config)] for a in agents}
    if not config.docs_only:
        link_ids |= {a["agent_id"]: a["agent_id"] for a in agents}

    def guard(request: Request, *, org_required: bool = True) -> Response | None:
        """The organization, the check every partner endpoint makes after the key's."""
        org = request.query_params.get("organization_id")
        if not org:
            return _error("organization_id required", 400) if org_required else None
        if org != config.organization_id:
            # ASSUMPTION: an organization the key does not belong to is a 403 in the error shape.
            return _error("Access denied to this organization", 403)
        return None

    def sms_list(request: Request, *, only_available: bool) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        items = [r for r in state.sms_numbers if r["is_available"] or not only_available]
        body = {"success": True, "phone_numbers": items, "count": len(items)}
        return JSONResponse({**body, "powered_by": POWERED_BY})

    async def sms_numbers(request: Request) -> Response:
        include_assigned = bool_param(request, "include_assigned", True)
        return sms_list(request, only_available=not include_assigned)

    async def sms_available(request: Request) -> Response:
        return sms_list(request, only_available=True)

    async def voice_numbers(request: Request) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        user_id = request.query_params.get("user_id")
        if not user_id:
            # ASSUMPTION: a missing user_id reads like the documented "organization_id required".
            return _error("user_id required", 400)
        is_admin = bool_param(request, "is_admin", False)
        phone_type = request.query_params.get("phone_type", "voice")
        # ASSUMPTION: non-admins see own/accessible_by numbers; SMS ones live only on /v1/sms.
        items = [
            r
            for r in state.voice_numbers
            if r["phone_type"] == phone_type
            and (is_admin or r["user_id"] == user_id or user_id in r["accessible_by"])
        ]
        return JSONResponse(
            {"success": True, "count": len(items), "phone_numbers": items, "powered_by": POWERED_BY}
        )

    async def list_agents(request: Request) -> Response:
        if (denied := guard(request)) is not None:
            return denied
        user_id = request.query_params.get("user_id")
        is_admin = bool_param(request, "is_admin", False)
        if not is_admin and not user_id:
            return _error("user_id required", 400)  # the same message as on voice numbers
        agent_type = request.query_params.get("agent_type")
        # ASSUMPTION: a non-admin sees the agents they created or are listed in accessible_users.
        items = [
            a
            for a in state.agents
            if (agent_type is None or a["agent_type"] == agent_type)
            and (is_admin or a["created_by_user_id"] == user_id or user_id in a["accessible_users"])
        ]
        return JSONResponse(
            {"success": True, "count": len(items), "agents": items, "powered_by": POWERED_BY}
        )

    async def get_agent(request: Request) -> Response:
        # ASSUMPTION: organization_id is optional here (agent ids are global) but checked if sent.
        if (denied := guard(request, org_required=False)) is not None:
            return denied
        agent = state.agents_by_id.get(request.path_params["agent_id"])
        if agent is None:
            return JSONResponse({"error": "Agent not found", "success": False}, 404)
        # ASSUMPTION: the get-one response wraps the list item as {success, agent, powered_by}.
        key = "data" if config.docs_only else "agent"
        return JSONResponse({"success": True, key: agent, "powered_by": POWERED_BY})

    async def update_agent(request: Request) -> Response:
        # ASSUMPTION: like get-agent, organization_id is optional here but checked if sent.
        if (denied := guard(request, org_required=False)) is not None:
            return denied
        try:
            body = await request.json()
        except ValueError:
            body = None
        fields = ("inbound_agent_id", "outbound_agent_id", "nickname")
        if not isinstance(body, dict) or not any(k in body for k in fields):
            return _error("inbound_agent_id, outbound_agent_id or nickname required", 400)
        e164 = request.path_params["phone_number"]
        record = next((r for r in state.voice_numbers if r["phone_number"] == e164), None)
        if record is None:
            if any(r["phone_number"] == e164 for r in state.sms_numbers):
                # ASSUMPTION: an SMS number is refused with a 400 (it is assigned to users).
                return _error("Phone number is not a voice number", 400)
            return _error("Phone number not found", 404)
        update: Record = {}
        for key in fields[:2]:
            if key in body:
                value = body[key]
                if value is not None and not isinstance(value, str):
                    return _error(f"{key} must be a string", 400)
                if value and value not in link_ids:
                    return _error("Agent not found", 404)
                update[key] = link_ids[value] if value else None
        if "nickname" in body:
            update["nickname"] = body["nickname"]
        record.update(update)
        return JSONResponse(
            {
                "success": True,
                "phone_number": e164,
                "message": "Phone number updated successfully",
                "inbound_agent_id": record["inbound_agent_id"],
                "outbound_agent_id": record["outbound_agent_id"],
                "nickname": record["nickname"],
                "powered_by": POWERED_BY,
            }
        )

    served: list[tuple[str, str, Endpoint]] = [
        ("POST", "/v1/voice/phone-numbers/{phone_number}/update-agent", update_agent),
        ("GET", "/v1/sms/phone-numbers", sms_numbers),
        ("GET", "/v1/sms/phone-numbers/available", sms_available),
        ("GET", "/v1/voice/phone-numbers", voice_numbers),
        ("GET", "/v1/agents", list_agents),
        ("GET", "/v1/agents/{agent_id}", get_agent),
    ]
    # The key first, on every partner endpoint.
    authed = authenticated(key_header("x-api-key", config.api_key), UNAUTHORIZED.response)
    routes: list[BaseRoute] = [Route(path, authed(h), methods=[m]) for m, path, h in served]
    return build_app(routes, world, config, state)
