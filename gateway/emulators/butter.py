"""Butter AI emulator: ``GET /api/phone-numbers`` and the agent endpoints.

Documented (seed 001, providers.md B): ``X-API-Key`` + ``X-Organization-Id`` on every
call, the ``status`` filter (free|assigned), ``phon_``/``agent_`` + hex ids and the
``{success, data, pagination{next_cursor, has_more, page_size, total_count}}`` envelope.
Records are rendered once; a page is a bisect into a per-status position index plus a
slice, so 50,000 numbers page as fast as 50.

Linking: ``POST /api/agents/{agent_id}/assign-phone-number`` (body ``{phone_number_id}``)
and ``POST /api/agents/{agent_id}/unassign-phone-number/{phone_number_id}``, with their
documented errors: 404 agent or number not found, 403 a number of another organization,
409 already assigned (to another agent or to this one), 400 a Twilio number without an
integration, and on unassign 400 a number not assigned to this agent.

Docs-only mode (``EmulatorConfig.docs_only``): the page size query parameter is ignored
(every page holds ``DEFAULT_PAGE_SIZE`` items, whatever was asked), ``GET
/api/agents/{agent_id}`` answers 405 (only ``PUT`` is documented on that path), agent list
items are the introduction's ``{id, agent_name}`` (no ``agent_id``, no
``assigned_phone_number_ids``) and error bodies are an empty object ("object" is all the
docs say). The cursor is read under ``EmulatorConfig.cursor_param`` in both modes: the
documented ``next_cursor`` implies a way to send it back.
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_left, insort
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .common import (
    EmulatorConfig,
    Record,
    World,
    build_app,
    int_param,
    iso,
    make_world,
    positions,
    stable_hex,
)
from .http import Endpoint, authenticated, json_body, key_header

STATUSES = ("free", "assigned")
PHON_ID = re.compile(r"phon_[a-f0-9]{12,}")  # the documented phone_number_id pattern
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

Handler = Callable[[Request, "ButterState"], Awaitable[Response]]


@dataclass
class ButterState:
    """Butter's own records, in list order, with the indexes the endpoints read."""

    numbers: list[Record]
    agents: list[Record]
    number_pos: dict[str, int] = field(default_factory=dict)
    agent_pos: dict[str, int] = field(default_factory=dict)
    # Sorted positions in ``numbers`` of the numbers with each status.
    by_status: dict[str, list[int]] = field(default_factory=dict)
    # Twilio numbers whose integration is gone: assigning them is the documented 400.
    no_integration: set[str] = field(default_factory=set)
    # Ids of numbers that exist in another organization: the documented 403.
    foreign: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.number_pos = positions(self.numbers, "phone_number_id")
        self.agent_pos = positions(self.agents, "agent_id")
        self.by_status = {s: [] for s in STATUSES}
        for i, r in enumerate(self.numbers):
            self.by_status[r["status"]].append(i)

    def agent(self, agent_id: str) -> Record | None:
        pos = self.agent_pos.get(agent_id)
        return None if pos is None else self.agents[pos]

    def set_agent(self, phone_number_id: str, agent_id: str | None) -> None:
        """Move a number to ``agent_id`` (``None``: free it), keeping both sides and the
        status index consistent; the linking endpoints build on this."""
        pos = self.number_pos[phone_number_id]
        new = None if agent_id is None else self.agents[self.agent_pos[agent_id]]
        number = self.numbers[pos]
        old = self.agent(number["assigned_agent_id"] or "")
        if old is not None:
            old["assigned_phone_number_ids"].remove(phone_number_id)
        if new is not None:
            new["assigned_phone_number_ids"].append(phone_number_id)
        self.by_status[number["status"]].remove(pos)
        status = "free" if new is None else "assigned"
        number.update(status=status, assigned_agent_id=agent_id)
        insort(self.by_status[status], pos)


def _number_id(index: int) -> str:
    return f"phon_{stable_hex('butter:number', index)}"


def _agent_id(index: int) -> str:
    return f"agent_{stable_hex('butter:agent', index)}"


def render(world: World) -> ButterState:
    """The world as Butter's documented records."""
    agents: list[Record] = [
        {
            "agent_id": _agent_id(a.index),
            "agent_name": a.name,
            "assigned_phone_number_ids": [],
            "system_prompt": f"You are {a.name}, a helpful voice agent.",
            "llm_temperature": round(0.2 * (a.index % 5 + 1), 1),
            "updated_at": iso(a.created_at),
        }
        for a in world.assistants
    ]
    numbers: list[Record] = []
    for n in world.numbers:
        number_id = _number_id(n.index)
        agent = agents[n.assistant] if n.assistant is not None else None
        if agent is not None:
            agent["assigned_phone_number_ids"].append(number_id)
        numbers.append(
            {
                "phone_number_id": number_id,
                "phone_number": n.e164,
                # Twilio (BYOC) or LiveKit SIP, the two documented providers.
                "provider": "sip" if n.index % 4 == 3 else "twilio",
                "status": "assigned" if agent is not None else "free",
                "supports_inbound": True,
                "supports_outbound": n.voice,
                "assigned_agent_id": agent["agent_id"] if agent is not None else None,
                "created_at": iso(n.created_at),
            }
        )
    # ASSUMPTION: one Twilio number in ten lost its integration (deleted after import).
    no_integration = {
        r["phone_number_id"]
        for i, r in enumerate(numbers)
        if i % 10 == 9 and r["provider"] == "twilio"
    }
    foreign = {f"phon_{stable_hex('butter:foreign', i)}" for i in range(2)}
    return ButterState(
        numbers=numbers, agents=agents, no_integration=no_integration, foreign=foreign
    )


def error(status: int, message: str, docs_only: bool = False) -> JSONResponse:
    # ASSUMPTION: error bodies are {"success": false, "message": ...}; docs say only "object".
    return JSONResponse({} if docs_only else {"success": False, "message": message}, status)


class BadRequest(Exception):
    """A request the endpoint rejects with 400."""


def encode_cursor(kind: str, pos: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{pos}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str, size: int) -> int:
    """The list position a cursor of ``kind`` points to; BadRequest when it is not ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError):
        raise BadRequest("Invalid cursor") from None
    prefix, _, pos = raw.partition(":")
    if prefix != kind or not (pos.isascii() and pos.isdigit()) or int(pos) >= size:
        raise BadRequest("Invalid cursor")
    return int(pos)


def paginate(
    request: Request,
    config: EmulatorConfig,
    kind: str,
    records: list[Record],
    positions: Sequence[int],
    shape: Callable[[Record], Record] = lambda r: r,
) -> Response:
    """One page of ``records`` at ``positions`` (sorted), in the documented envelope.

    The cursor is an opaque position in the unfiltered list, so it stays valid while
    numbers change status between pages.
    """
    # ASSUMPTION: query params `cursor` and `page_size` (default 20, max 100); docs name neither.
    page_size: int | None = DEFAULT_PAGE_SIZE
    if not config.docs_only:
        page_size = int_param(request, config.page_size_param, DEFAULT_PAGE_SIZE)
    if page_size is None or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BadRequest(f"page_size must be an integer between 1 and {MAX_PAGE_SIZE}")
    cursor = request.query_params.get(config.cursor_param)
    start = 0 if not cursor else bisect_left(positions, decode_cursor(kind, cursor, len(records)))
    chunk = positions[start : start + page_size]
    has_more = start + page_size < len(positions)
    return JSONResponse(
        {
            "success": True,
            "data": [shape(records[p]) for p in chunk],
            "pagination": {
                "next_cursor": encode_cursor(kind, positions[start + page_size])
                if has_more
                else None,
                "has_more": has_more,
                "page_size": page_size,
                "total_count": len(positions),
            },
        }
    )


def create_app(config: EmulatorConfig) -> Starlette:
    world = make_world(
        config.seed, config.numbers, config.assistants, provider="butter", present=config.present
    )
    state = render(world)

    def fail(status: int, message: str) -> JSONResponse:
        return error(status, message, config.docs_only)

    authed = authenticated(
        key_header("x-api-key", config.api_key), lambda: fail(401, "Invalid or missing API key")
    )

    def endpoint(handler: Handler) -> Endpoint:
        """Auth first (401 key, 400/403 organization), then the handler; BadRequest -> 400."""

        @authed
        @wraps(handler)
        async def run(request: Request) -> Response:
            org = request.headers.get("x-organization-id")
            if not org:
                return fail(400, "Missing X-Organization-Id header")
            if org != config.organization_id:
                return fail(403, "Access denied to this organization")
            try:
                return await handler(request, state)
            except BadRequest as exc:
                return fail(400, str(exc))

        return run

    async def list_numbers(request: Request, data: ButterState) -> Response:
        status = request.query_params.get("status")
        if status is not None and status not in STATUSES:
            raise BadRequest("status must be one of: free, assigned")
        positions = range(len(data.numbers)) if status is None else data.by_status[status]
        return paginate(request, config, "phon", data.numbers, positions)

    # ASSUMPTION: GET /api/agents (cursor-paged) and GET /api/agents/{agent_id} -> {success, data}.
    async def list_agents(request: Request, data: ButterState) -> Response:
        return paginate(request, config, "agent", data.agents, range(len(data.agents)), list_item)

    def list_item(agent: Record) -> Record:
        """Docs-only: the introduction's list item ``{id, agent_name}``, nothing more."""
        if config.docs_only:
            return {"id": agent["agent_id"], "agent_name": agent["agent_name"]}
        return agent

    async def get_agent(request: Request, data: ButterState) -> Response:
        if config.docs_only:
            return fail(405, "Method Not Allowed")  # only PUT is documented on this path
        agent = data.agent(request.path_params["agent_id"])
        if agent is None:
            return fail(404, "Agent not found")
        return JSONResponse({"success": True, "data": agent})

    async def assign(request: Request, data: ButterState) -> Response:
        body = await json_body(request)
        number_id = body.get("phone_number_id") if isinstance(body, dict) else None
        if not isinstance(number_id, str) or not PHON_ID.fullmatch(number_id):
            # ASSUMPTION: a body that breaks the documented pattern is a 400 like the others.
            raise BadRequest("phone_number_id must match phon_[a-f0-9]{12,}")
        agent = data.agent(request.path_params["agent_id"])
        if agent is None:
            return fail(404, "Agent not found")
        if number_id in data.foreign:
            return fail(403, "Phone number belongs to another organization")
        pos = data.number_pos.get(number_id)
        if pos is None:
            return fail(404, "Phone number not found")
        holder = data.numbers[pos]["assigned_agent_id"]
        if holder == agent["agent_id"]:
            return fail(409, "Phone number is already assigned to this agent")
        if holder is not None:
            return fail(409, "Phone number is already assigned to another agent")
        if number_id in data.no_integration:
            raise BadRequest("Twilio number has no integration; connect a Twilio integration")
        data.set_agent(number_id, agent["agent_id"])
        return action("Phone number assigned successfully", agent)

    async def unassign(request: Request, data: ButterState) -> Response:
        agent = data.agent(request.path_params["agent_id"])
        if agent is None:
            return fail(404, "Agent not found")
        number_id = request.path_params["phone_number_id"]
        if number_id in data.foreign:
            return fail(403, "Phone number belongs to another organization")
        if number_id not in agent["assigned_phone_number_ids"]:
            raise BadRequest("Phone number is not assigned to this agent")
        data.set_agent(number_id, None)
        return action("Phone number unassigned successfully", agent)

    def action(message: str, agent: Record) -> Response:
        """The documented action envelope ``{success, message, data: AgentData}``."""
        agent["updated_at"] = iso(datetime.now(UTC))
        data = {
            "agent_id": agent["agent_id"],
            "agent_name": agent["agent_name"],
            "assigned_phone_number_ids": list(agent["assigned_phone_number_ids"]),
            "updated_at": agent["updated_at"],
        }
        return JSONResponse({"success": True, "message": message, "data": data})

    routes: list[BaseRoute] = [
        Route("/api/phone-numbers", endpoint(list_numbers), methods=["GET"]),
        Route("/api/agents", endpoint(list_agents), methods=["GET"]),
        Route("/api/agents/{agent_id}", endpoint(get_agent), methods=["GET"]),
        Route("/api/agents/{agent_id}/assign-phone-number", endpoint(assign), methods=["POST"]),
        Route(
            "/api/agents/{agent_id}/unassign-phone-number/{phone_number_id}",
            endpoint(unassign),
            methods=["POST"],
        ),
    ]
    return build_app(routes, world, config, state)
