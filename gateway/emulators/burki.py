"""Burki emulator: the organization phone-number lists and the assistant endpoints.

Documented (seed 000, providers.md A): ``Authorization: Bearer`` on every call, FastAPI
error bodies (``{"detail": str}``; 422 ``{"detail": [{loc, msg, type}]}``), integer ids,
``PN`` + 32 hex ``twilio_sid``, bare JSON arrays. The number lists do not paginate; the
assistant list pages by ``skip`` + ``limit`` (1..1000) and reports no total. Records are
rendered once at start-up; a request filters and slices them.

Linking: ``POST /api/v1/assistants/{assistant_id}/phone-numbers/{phone_number_id}/assign``
and ``/unassign`` (no body; ``APIResponse {success, message, data}``), as the backend
implements them: 404 for a missing assistant, a 500 wrapping the service's error for a
missing number, and no check of which assistant held the number before.

Docs-only mode (``EmulatorConfig.docs_only``), the hostile side of each ``ASSUMPTION``
below: the assistant list is ordered by id descending; the API key's user created no
assistant (``my_assistants_only`` lists none); stats fields are absent, not null, without
``include_stats``; released (inactive) numbers keep the assistant they had; 422 texts are
pydantic v1's; and the wrapped service error names no status. The assistant list's
``limit`` maximum (1000) is the source's, so it caps silently only under
``EmulatorConfig.max_page_size``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import wraps

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .common import (
    EmulatorConfig,
    Record,
    World,
    WorldAssistant,
    WorldNumber,
    build_app,
    iso,
    make_world,
    positions,
    stable_hex,
    window,
)
from .http import EmulatorError, Endpoint, authenticated, bearer

PREFIX = "/api/v1/assistants"
NUMBERS_PATH = f"{PREFIX}/organization/phone-numbers"
AVAILABLE_PATH = f"{NUMBERS_PATH}/available"
MAX_LIMIT = 1000
ORGANIZATION_ID = 1
# ASSUMPTION: the API key belongs to user 1, who created every other assistant (my_assistants_only).
KEY_USER_ID = 1
# The 401 the backend raises when neither an API key nor a session authenticates
# (meeran03/burki app/core/auth.py, get_current_user_flexible).
AUTH_DETAIL = "Authentication required. Provide a valid API key or login session."
UNAUTHORIZED = EmulatorError(401, {"detail": AUTH_DETAIL}, {"WWW-Authenticate": "Bearer"})
# ASSUMPTION: 422 msg/type texts are FastAPI + pydantic v2's (the spec only types them as str).
# pydantic's lax str -> bool, which FastAPI applies to boolean query parameters.
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_INT = re.compile(r"[+-]?\d+")

Handler = Callable[[Request, "BurkiState"], Awaitable[Response]]


@dataclass
class BurkiState:
    """Burki's own records: numbers ordered by ``phone_number`` (as the backend orders
    them), assistants by ``id``."""

    numbers: list[Record]
    # ASSUMPTION: the assistant list is ordered by id (the docs and the spec name no order).
    assistants: list[Record]
    number_pos: dict[int, int] = field(default_factory=dict)
    assistant_pos: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.number_pos = positions(self.numbers, "id")
        self.assistant_pos = positions(self.assistants, "id")

    def assistant(self, assistant_id: int) -> Record | None:
        pos = self.assistant_pos.get(assistant_id)
        return None if pos is None else self.assistants[pos]

    def set_assistant(self, number_id: int, assistant_id: int | None) -> None:
        """Point a number at ``assistant_id`` (``None``: unassign); linking builds on this."""
        assistant = None if assistant_id is None else self.assistant(assistant_id)
        if assistant_id is not None and assistant is None:
            raise KeyError(assistant_id)
        self.numbers[self.number_pos[number_id]]["assistant"] = (
            None if assistant is None else _assistant_info(assistant)
        )


def _assistant_not_found(assistant_id: int) -> Response:
    """The backend's 404 body (meeran03/burki ``app/api/assistants.py``)."""
    return JSONResponse(
        {"detail": f"Assistant with ID {assistant_id} not found in your organization"}, 404
    )


def _assistant_info(assistant: Record) -> Record:
    """``OrganizationAssistantInfo``: the minimal assistant a number embeds."""
    return {"id": assistant["id"], "name": assistant["name"], "is_active": assistant["is_active"]}


def _assistant_record(world_assistant: WorldAssistant, docs_only: bool = False) -> Record:
    index = world_assistant.index
    stats: Record = {"total_calls": None, "avg_call_duration": None, "success_rate": None}
    return {
        "id": index + 1,
        "name": world_assistant.name,
        "organization_id": ORGANIZATION_ID,
        "user_id": KEY_USER_ID + 1 if docs_only or index % 2 else KEY_USER_ID,
        "description": f"{world_assistant.name} for inbound calls",
        "is_active": world_assistant.active,
        "llm_provider": "openai",
        "webhook_url": None,
        "sms_webhook_url": None,
        "messaging_service_sid": None,
        "created_at": iso(world_assistant.created_at),
        "updated_at": iso(world_assistant.created_at + timedelta(days=index % 7)),
        # ASSUMPTION: stats fields are null without include_stats (FastAPI keeps None fields).
        **({} if docs_only else stats),
    }


def _number_record(
    number_id: int, e164: str, source: WorldNumber, assistant: Record | None, active: bool
) -> Record:
    index = source.index
    return {
        "id": number_id,
        "phone_number": e164,
        "friendly_name": source.label,
        "provider": "telnyx" if index % 4 == 3 else "twilio",
        # The seed's Telnyx example still carries a PN sid: every number has one.
        "twilio_sid": "PN" + stable_hex("burki:number", number_id, 32),
        "is_active": active,
        "is_verified_caller_id": False,
        "capabilities": {
            "voice": source.voice,
            "sms": source.sms,
            "mms": source.sms and index % 2 == 0,
        },
        "sip_trunk_id": None,
        "allowed_country_codes": ["US", "CA"] if index % 5 == 0 else None,
        "assistant": None if assistant is None else _assistant_info(assistant),
        "flow": None,
        "created_at": iso(source.created_at),
        "updated_at": None if index % 3 == 0 else iso(source.created_at + timedelta(days=1)),
    }


def render(world: World, docs_only: bool = False) -> BurkiState:
    """The world as Burki records, plus released numbers outside the world.

    Burki deactivates a number instead of deleting it (``is_active: false``); such a
    number is no longer the organization's, so it is not in the neutral world. One in ten
    world numbers gets a released neighbour (its E.164 + 1, never another world number's).
    """
    assistants = [_assistant_record(a, docs_only) for a in world.assistants]
    numbers = [
        _number_record(
            n.index + 1,
            n.e164,
            n,
            None if n.assistant is None else assistants[n.assistant],
            active=True,
        )
        for n in world.numbers
    ]
    # ASSUMPTION: released numbers are unassigned (the backend won't deactivate an assigned one).
    after = max((n.index for n in world.numbers), default=-1) + 1  # ids past every world one
    released = [
        _number_record(
            after + j + 1,
            f"+{int(n.e164[1:]) + 1}",
            n,
            assistants[j % len(assistants)] if docs_only and assistants else None,
            False,
        )
        for j, n in enumerate(world.numbers[::10][: len(world.numbers) // 10])
    ]
    numbers = sorted(numbers + released, key=lambda r: r["phone_number"])
    if docs_only:
        assistants = assistants[::-1]
    return BurkiState(numbers=numbers, assistants=assistants)


def _error(loc: tuple[str, str], msg: str, kind: str) -> Record:
    return {"loc": list(loc), "msg": msg, "type": kind}


def _validation_error(errors: list[Record]) -> Response:
    return JSONResponse({"detail": errors}, 422)


# Docs-only: the 422 texts of pydantic v1 (FastAPI before 0.100), keyed by v2's type.
_V1_ERRORS = {
    "bool_parsing": ("value could not be parsed to a boolean", "type_error.bool"),
    "int_parsing": ("value is not a valid integer", "type_error.integer"),
    "greater_than_equal": (
        "ensure this value is greater than or equal to the limit",
        "value_error.number.not_ge",
    ),
    "less_than_equal": (
        "ensure this value is less than or equal to the limit",
        "value_error.number.not_le",
    ),
}


class _Params:
    """FastAPI-style parameter parsing: every error is collected, then one 422 is sent."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.errors: list[Record] = []
        self.v1 = request.app.state.config.docs_only

    def fail(self, loc: tuple[str, str], msg: str, kind: str) -> None:
        """Record one error, in pydantic v2's texts (v1's in docs-only mode)."""
        self.errors.append(_error(loc, *_V1_ERRORS[kind]) if self.v1 else _error(loc, msg, kind))

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.request.query_params.get(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() not in _FALSE:
            self.fail(
                ("query", name),
                "Input should be a valid boolean, unable to interpret input",
                "bool_parsing",
            )
        return False

    def integer(
        self, where: str, name: str, raw: str | None, default: int, ge: int | None, le: int | None
    ) -> int:
        if raw is None:
            return default
        loc = (where, name)
        if not _INT.fullmatch(raw.strip()):
            self.fail(
                loc,
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            )
            return default
        value = int(raw)
        if ge is not None and value < ge:
            self.fail(loc, f"Input should be greater than or equal to {ge}", "greater_than_equal")
        elif le is not None and value > le:
            self.fail(loc, f"Input should be less than or equal to {le}", "less_than_equal")
        return value

    def query_int(self, name: str, default: int, ge: int, le: int | None = None) -> int:
        return self.integer("query", name, self.request.query_params.get(name), default, ge, le)


def _routes(state: BurkiState, config: EmulatorConfig) -> list[BaseRoute]:
    # ``HTTPBearer(auto_error=False)``: the scheme is case-insensitive, the key exact.
    # Authenticate first: FastAPI resolves the auth dependency before the query.
    authed = authenticated(bearer(config.api_key), UNAUTHORIZED.response)

    def endpoint(handler: Handler) -> Endpoint:
        @authed
        @wraps(handler)
        async def run(request: Request) -> Response:
            return await handler(request, state)

        return run

    @endpoint
    async def list_numbers(request: Request, state: BurkiState) -> Response:
        params = _Params(request)
        assigned = params.boolean("include_assigned", True)
        unassigned = params.boolean("include_unassigned", True)
        inactive = params.boolean("include_inactive", False)
        if params.errors:
            return _validation_error(params.errors)
        return JSONResponse(
            [
                r
                for r in state.numbers
                if (assigned if r["assistant"] is not None else unassigned)
                and (inactive or r["is_active"])
            ]
        )

    @endpoint
    async def list_available(_request: Request, state: BurkiState) -> Response:
        # Documented as taking no parameters: unknown query parameters are ignored.
        return JSONResponse([r for r in state.numbers if r["assistant"] is None and r["is_active"]])

    @endpoint
    async def list_assistants(request: Request, state: BurkiState) -> Response:
        params = _Params(request)
        skip = params.query_int("skip", 0, ge=0)
        limit = params.query_int("limit", 100, ge=1, le=MAX_LIMIT)
        active_only = params.boolean("active_only", False)
        mine = params.boolean("my_assistants_only", False)
        stats = params.boolean("include_stats", False)
        if params.errors:
            return _validation_error(params.errors)
        selected = [
            a
            for a in state.assistants
            if (not active_only or a["is_active"]) and (not mine or a["user_id"] == KEY_USER_ID)
        ]
        page = window(selected, skip, limit, config.page_cap(documented_max=True))
        return JSONResponse([_with_stats(a) for a in page] if stats else page)

    @endpoint
    async def get_assistant(request: Request, state: BurkiState) -> Response:
        params = _Params(request)
        raw = request.path_params["assistant_id"]
        assistant_id = params.integer("path", "assistant_id", raw, 0, None, None)
        if params.errors:
            return _validation_error(params.errors)
        assistant = state.assistant(assistant_id)
        if assistant is None:
            return _assistant_not_found(assistant_id)
        return JSONResponse(assistant)

    def link_endpoint(assign: bool) -> Handler:
        """``POST …/{assistant_id}/phone-numbers/{phone_number_id}/assign`` (and ``/unassign``).

        As the backend does it (meeran03/burki ``app/api/assistants.py``): the assistant is
        looked up first (404); the service then sets the number's assistant, or clears it,
        whichever assistant held it before; its failures, "Phone number not found" among
        them, are caught by the endpoint's broad ``except`` and leave as a 500.
        """
        verb = "assign" if assign else "unassign"

        async def link(request: Request, state: BurkiState) -> Response:
            params = _Params(request)
            path = request.path_params
            assistant_id = params.integer(
                "path", "assistant_id", path["assistant_id"], 0, None, None
            )
            number_id = params.integer(
                "path", "phone_number_id", path["phone_number_id"], 0, None, None
            )
            if params.errors:
                return _validation_error(params.errors)
            assistant = state.assistant(assistant_id)
            if assistant is None:
                return _assistant_not_found(assistant_id)
            if number_id not in state.number_pos:
                # ASSUMPTION: the wrapped service error reads "400: Phone number not found".
                status = "" if config.docs_only else "400: "
                detail = f"Failed to {verb} phone number: {status}Phone number not found"
                return JSONResponse({"detail": detail}, 500)
            # The backend checks neither who held the number nor that it is active.
            state.set_assistant(number_id, assistant_id if assign else None)
            done = "assigned to" if assign else "unassigned from"
            return JSONResponse(
                {
                    "success": True,
                    "message": f"Phone number successfully {done} assistant '{assistant['name']}'",
                    "data": None,
                }
            )

        return link

    number_link = f"{PREFIX}/{{assistant_id}}/phone-numbers/{{phone_number_id}}"
    return [
        Route(NUMBERS_PATH, list_numbers, methods=["GET"]),
        Route(AVAILABLE_PATH, list_available, methods=["GET"]),
        Route(PREFIX, list_assistants, methods=["GET"]),
        Route(f"{PREFIX}/{{assistant_id}}", get_assistant, methods=["GET"]),
        Route(f"{number_link}/assign", endpoint(link_endpoint(True)), methods=["POST"]),
        Route(f"{number_link}/unassign", endpoint(link_endpoint(False)), methods=["POST"]),
    ]


def _with_stats(assistant: Record) -> Record:
    """``include_stats=true``: call statistics, deterministic per assistant."""
    n = assistant["id"]
    return {
        **assistant,
        "total_calls": n * 37 % 500,
        "avg_call_duration": float(60 + n * 13 % 240),
        "success_rate": round(0.5 + n * 7 % 50 / 100, 2),
    }


def create_app(config: EmulatorConfig) -> Starlette:
    world = make_world(
        config.seed, config.numbers, config.assistants, provider="burki", present=config.present
    )
    state = render(world, config.docs_only)
    return build_app(_routes(state, config), world, config, state)
