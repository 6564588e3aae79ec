"""Retell AI emulator (api.retellai.com; ../shared/providers-vapi-retell.md B).

Numbers: ``GET /v2/list-phone-numbers`` (``limit`` up to 1000, default 50,
``pagination_key``, ``sort_order``; answering ``{items, pagination_key, has_more}``), the
legacy bare array ``GET /list-phone-numbers``, ``GET /get-phone-number/{phone_number}``
and ``PATCH /update-phone-number/{phone_number}``, keyed by the E.164 number with a
literal ``+`` in the path. Agents: ``POST /v2/list-agents`` (paging in the query, the
``filter_criteria`` in the JSON body; summaries as items) and ``GET /get-agent/{agent_id}``.
Timestamps are integer milliseconds, errors ``{"status": "error", "message"}``, and an
unknown number or agent is the documented 422 "Cannot find requested asset under given
api key.".

A number routes to agents by weighted lists per direction and channel (``inbound_agents``,
``outbound_agents``, ``inbound_sms_agents``, ``outbound_sms_agents``; weights in (0, 1]
summing to 1). The world's holder of a number is its inbound voice agent; some numbers
split their inbound calls with a second agent (0.7/0.3, or 0.5/0.5 with the holder listed
first), some route outbound calls and SMS too. The account also has a chat agent, which
``filter_criteria.channel`` must keep out of a voice list.

Docs-only mode (``EmulatorConfig.docs_only``) serves what the docs show as of the
snapshot, taking the conservative side of each ``# ASSUMPTION:``: no legacy list (its
removal was announced), unset optional fields left out instead of ``null``, a
``pagination_key`` on the last page too (only ``has_more`` ends a list), ``[]`` not
unbinding a direction (the April 2026 fallback of an empty list), a ``%2B`` in the path
not read as ``+``, a PATCH that checks no agent id, and weights that do not sum to 1
answered 422 instead of 400.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from .common import (
    EmulatorConfig,
    Record,
    World,
    WorldNumber,
    bounded_int_param,
    build_app,
    by_id,
    make_world,
    served,
    stable_hex,
)
from .http import EmulatorError, bearer, endpoint

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
NOT_FOUND_MESSAGE = "Cannot find requested asset under given api key."
AGENT_LISTS = ("inbound_agents", "outbound_agents", "inbound_sms_agents", "outbound_sms_agents")
_TYPES = ("retell-twilio", "retell-telnyx", "custom")
_PATCHABLE = {
    *AGENT_LISTS,
    "nickname",
    "inbound_webhook_url",
    "inbound_sms_webhook_url",
    "allowed_inbound_country_list",
    "allowed_outbound_country_list",
    "fallback_number",
}


def retell_error(status: int, message: str) -> EmulatorError:
    """Retell's documented error body (B.8)."""
    return EmulatorError(status, {"status": "error", "message": message})


UNAUTHORIZED = retell_error(401, "API key is missing or invalid.")
NOT_FOUND = retell_error(422, NOT_FOUND_MESSAGE)


def millis(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def pretty(e164: str) -> str:
    """The display form: ``+1 (415) 555-0100`` for NANP numbers, digit groups elsewhere."""
    if e164.startswith("+1") and len(e164) == 12:
        return f"+1 ({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    digits = e164[3:]
    return f"{e164[:3]} {digits[:-6]} {digits[-6:-3]} {digits[-3:]}"


@dataclass
class RetellData:
    """Retell's own records, newest first; the dicts are shared with the indexes."""

    numbers: list[Record]
    agents: list[Record]  # full AgentResponse records (voice and chat)
    docs_only: bool
    # ASSUMPTION: null unbinds a direction, as it did for the legacy single-agent fields
    # (B.5: NOT FOUND for the lists). A test sets this False to play a server that reads
    # null as "unchanged".
    null_unbinds: bool = True
    numbers_by_key: dict[str, Record] = field(init=False)
    agents_by_id: dict[str, Record] = field(init=False)

    def __post_init__(self) -> None:
        self.numbers_by_key = by_id(self.numbers, "phone_number")
        self.agents_by_id = by_id(self.agents, "agent_id")

    def shown(self, record: Record) -> Record:
        # ASSUMPTION: unset optional fields come back as null (docs-only: left out).
        return served(record, self.docs_only)


def _agent(index: int, name: str, created: datetime, channel: str = "voice") -> Record:
    return {
        "agent_id": f"agent_{stable_hex('retell-agent', index, 26)}",
        "agent_name": name,
        "channel": channel,
        "version": 0,
        "is_published": True,
        "last_modification_timestamp": millis(created),
        "response_engine": {"type": "retell-llm", "llm_id": f"llm_{stable_hex('llm', index, 26)}"},
        "voice_id": "retell-Cimo",
        "tags": {},
    }


def _routes(n: WorldNumber, ids: list[str]) -> dict[str, list[Record] | None]:
    """The world's holder as the inbound voice agent; a second agent on some splits (not
    the newest agent, which holds one number, nor the draft before it, which holds none)."""
    lists: dict[str, list[Record] | None] = dict.fromkeys(AGENT_LISTS)
    if n.assistant is None:
        return lists
    holder = ids[n.assistant]
    others = [ids[i] for i in range(len(ids) - 2) if i != n.assistant]
    if others and n.index % 3 == 0:
        share = 0.5 if n.index % 2 else 0.7
        lists["inbound_agents"] = [
            {"agent_id": holder, "weight": share},
            {"agent_id": others[n.index % len(others)], "weight": round(1 - share, 2)},
        ]
    else:
        lists["inbound_agents"] = [{"agent_id": holder, "weight": 1}]
    if n.index % 2 == 0:
        lists["outbound_agents"] = [{"agent_id": holder, "weight": 1}]
    if n.sms and n.index % 4 == 1:
        lists["inbound_sms_agents"] = [{"agent_id": holder, "weight": 1}]
    return lists


def render(world: World, docs_only: bool) -> RetellData:
    """The world as Retell records (a chat agent beside the voice agents)."""
    agents = [_agent(a.index, a.name, a.created_at) for a in world.assistants]
    ids = [a["agent_id"] for a in agents]
    chat = (
        _agent(len(agents), "Website chat", world.assistants[0].created_at, "chat")
        if agents
        else None
    )
    numbers = [
        {
            "phone_number": n.e164,
            "phone_number_pretty": pretty(n.e164),
            "phone_number_type": _TYPES[n.index % len(_TYPES)],
            "area_code": int(n.e164[2:5]) if n.e164.startswith("+1") else None,
            "nickname": n.label,
            "last_modification_timestamp": millis(n.created_at),
            **_routes(n, ids),
            "inbound_webhook_url": None,
            "allowed_inbound_country_list": None,
            "allowed_outbound_country_list": None,
            "fallback_number": None,
        }
        for n in world.numbers
    ]
    # ASSUMPTION: both v2 lists sort by creation, newest first by default (B.11: the
    # sort key is not stated).
    return RetellData(numbers[::-1], agents[::-1] + ([chat] if chat else []), docs_only)


def _limit(request: Request) -> int:
    value = bounded_int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    if value is None:
        # ASSUMPTION: a limit outside 1..1000 is a 400 (B.11: NOT FOUND).
        raise retell_error(400, f"limit must be between 1 and {MAX_LIMIT}")
    return value


def _paged(request: Request, data: RetellData, records: list[Record], key: str) -> Record:
    """``{items, pagination_key, has_more}``: the page after ``pagination_key`` (the key
    of the previous page's last item)."""
    limit = _limit(request)
    ordered = records[::-1] if request.query_params.get("sort_order") == "ascending" else records
    after = request.query_params.get("pagination_key")
    start = 0
    if after is not None:
        keys = [r[key] for r in ordered]
        if after not in keys:
            # ASSUMPTION: an unknown pagination_key is a 400 (B.11: NOT FOUND).
            raise retell_error(400, "invalid pagination_key")
        start = keys.index(after) + 1
    page = ordered[start : start + limit]
    more = start + limit < len(ordered)
    body: Record = {"items": [data.shown(r) for r in page], "has_more": more}
    # ASSUMPTION: the last page carries no pagination_key (docs-only: it does; B.11).
    if page and (more or data.docs_only):
        body["pagination_key"] = page[-1][key]
    return body


def _number(request: Request, data: RetellData) -> Record:
    raw = request.scope.get("raw_path", b"").decode("latin-1")
    if data.docs_only and "%2b" in raw.lower():
        # ASSUMPTION: %2B reads as + (the SDK sends a literal +; docs-only: it does not).
        raise NOT_FOUND
    number = data.numbers_by_key.get(request.path_params["phone_number"])
    if number is None:
        raise NOT_FOUND
    return number


def list_numbers(data: RetellData, _request: Request, _body: Any) -> list[Record]:
    return [data.shown(n) for n in data.numbers]


def list_numbers_v2(data: RetellData, request: Request, _body: Any) -> Record:
    return _paged(request, data, data.numbers, "phone_number")


def get_number(data: RetellData, request: Request, _body: Any) -> Record:
    return data.shown(_number(request, data))


def _weights(name: str, value: Any, data: RetellData) -> list[Record] | None:
    """One ``*_agents`` list as sent: agent ids that exist, weights in (0, 1] summing to 1."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(w, dict) for w in value):
        raise retell_error(400, f"{name} must be a list of agent weights")
    for item in value:
        agent_id, weight = item.get("agent_id"), item.get("weight")
        if not isinstance(agent_id, str) or not agent_id:
            raise retell_error(400, f"{name}: agent_id is required")
        if not isinstance(weight, int | float) or not 0 < weight <= 1:
            raise retell_error(400, f"{name}: weight must be in (0, 1]")
        # ASSUMPTION: PATCH checks that the agent exists (422, as get-agent; B.12 q6;
        # docs-only: no check).
        if not data.docs_only and agent_id not in data.agents_by_id:
            raise NOT_FOUND
    if value and not math.isclose(sum(w["weight"] for w in value), 1.0):
        # ASSUMPTION: weights that do not sum to 1 are a 400 (docs-only: 422; B.12 q2).
        raise retell_error(422 if data.docs_only else 400, f"{name}: weights must sum to 1")
    return [dict(w) for w in value]


def update_number(data: RetellData, request: Request, body: Any) -> Record:
    """``PATCH``: an absent key keeps a field, ``null`` clears it (see ``null_unbinds``)."""
    number = _number(request, data)
    if not isinstance(body, dict):
        raise retell_error(400, "request body is required")
    unknown = sorted(set(body) - _PATCHABLE)
    if unknown:
        # ASSUMPTION: unknown fields (the legacy *_agent_id among them) are a 400.
        raise retell_error(400, f"unknown fields: {', '.join(unknown)}")
    changes = {k: _weights(k, body[k], data) for k in AGENT_LISTS if k in body}
    for name, agents in changes.items():
        if agents is None and not data.null_unbinds:
            continue
        if agents == [] and data.docs_only:
            # ASSUMPTION: [] unbinds too (docs-only: an empty list falls back to what the
            # number had, as it fell back to the legacy field in April 2026).
            continue
        number[name] = agents or None
    for key in _PATCHABLE - set(AGENT_LISTS):
        if key in body:
            number[key] = body[key]
    number["last_modification_timestamp"] += 1000
    return data.shown(number)


def _channel_matches(item: Record, condition: Any) -> bool:
    """``filter_criteria.channel``: ``{op: eq|ne|sw|ew|co, value}`` on the channel."""
    if not isinstance(condition, dict) or "op" not in condition or "value" not in condition:
        raise retell_error(400, "filter_criteria.channel needs op and value")
    value, channel = str(condition["value"]), item["channel"]
    tests = {
        "eq": channel == value,
        "ne": channel != value,
        "sw": channel.startswith(value),
        "ew": channel.endswith(value),
        "co": value in channel,
    }
    if condition["op"] not in tests:
        raise retell_error(400, "filter_criteria.channel.op must be eq, ne, sw, ew or co")
    return bool(tests[condition["op"]])


def _summary(agent: Record) -> Record:
    return {
        "agent_id": agent["agent_id"],
        "agent_name": agent["agent_name"],
        "channel": agent["channel"],
        "tags": agent["tags"],
        "user_modified_timestamp": agent["last_modification_timestamp"],
    }


def list_agents_v2(data: RetellData, request: Request, body: Any) -> Record:
    """Summaries of the agents the body's ``filter_criteria`` keeps (every one without)."""
    criteria = body.get("filter_criteria") if isinstance(body, dict) else None
    agents = data.agents
    if isinstance(criteria, dict):
        if "channel" in criteria:
            agents = [a for a in agents if _channel_matches(a, criteria["channel"])]
        query = criteria.get("query")
        if isinstance(query, str) and query:
            q = query.lower()
            agents = [a for a in agents if q in a["agent_name"].lower() or q in a["agent_id"]]
    return _paged(request, data, [_summary(a) for a in agents], "agent_id")


def get_agent(data: RetellData, request: Request, _body: Any) -> Record:
    agent = data.agents_by_id.get(request.path_params["agent_id"])
    if agent is None or agent["channel"] != "voice":
        raise NOT_FOUND
    return data.shown({k: v for k, v in agent.items() if k not in {"channel", "tags"}})


def create_app(config: EmulatorConfig) -> Starlette:
    world = make_world(
        config.seed, config.numbers, config.assistants, provider="retell", present=config.present
    )
    data = render(world, config.docs_only)
    served: list[tuple[str, str, Callable[[RetellData, Request, Any], Any]]] = [
        ("GET", "/v2/list-phone-numbers", list_numbers_v2),
        ("GET", "/get-phone-number/{phone_number}", get_number),
        ("PATCH", "/update-phone-number/{phone_number}", update_number),
        ("POST", "/v2/list-agents", list_agents_v2),
        ("GET", "/get-agent/{agent_id}", get_agent),
    ]
    if not config.docs_only:
        served.append(("GET", "/list-phone-numbers", list_numbers))
    guarded = partial(endpoint, authorized=bearer(config.api_key), unauthorized=UNAUTHORIZED)
    routes: list[BaseRoute] = [
        Route(path, guarded(partial(handler, data)), methods=[method])
        for method, path, handler in served
    ]
    return build_app(routes, world, config, data)
