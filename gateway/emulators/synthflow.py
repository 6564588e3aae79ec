"""Synthflow's documented Platform API v2: ``/v2/numbers`` and ``/v2/assistants``.

Numbers are keyed by slug (E.164 without ``+``), agents by ``model_id`` (a UUID). The
world's links are rendered on the agents: an agent's first number is its inbound
``phone_number``, any further ones sit in its ``attached_phone_numbers``; every linked
number reports ``is_available: false``, so the availability filter matches the world.

Linking: ``PUT /v2/assistants/{model_id}`` sets the agent's inbound ``phone_number``
(``""`` clears it; no two agents may share an inbound number) and
``DELETE /v2/assistants/{model_id}/phone_numbers/{slug}`` detaches an outbound number;
both keep ``is_available`` and the number detail's ``assistants`` in step.

Docs-only mode (``EmulatorConfig.docs_only``), each the most hostile reading the docs allow
of an ``ASSUMPTION`` below: list items carry no ``attached_phone_numbers`` (the docs show
them on the get-one item only); any ``limit`` >= 1 is accepted but a page holds at most
``DOCS_ONLY_PAGE_CAP`` items, while ``pagination.limit`` echoes the limit asked (no
maximum is published); the undocumented 401 and 404 bodies are empty objects; get-one's
``pagination`` describes the whole list, not the one item; and the update's ``details``
keys are present but null. ``EmulatorConfig.max_page_size`` caps pages in either mode.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .common import (
    EmulatorConfig,
    Record,
    World,
    WorldNumber,
    bounded_int_param,
    build_app,
    iso,
    make_world,
    stable_hex,
    stable_uuid,
    window,
)
from .http import authenticated, bearer

Handler = Callable[[Request], Awaitable[Response]]

# ASSUMPTION: the page size limit is not documented; limit must be 1..100 and offset >= 0.
MAX_LIMIT = 100
DEFAULT_LIMIT = 20
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


@dataclass
class SynthflowState:
    """The provider's own records, mutable so linking endpoints can be added later.

    Call :meth:`changed` after mutating ``numbers`` so the filtered views are rebuilt.
    """

    numbers: list[Record]  # list-endpoint records, in world order
    slugs: dict[str, int]  # slug -> position in numbers (and world.numbers)
    assistants: list[Record]  # full agent records, in world order
    by_model_id: dict[str, Record]
    holders: dict[str, list[str]]  # E.164 -> model_ids of the agents holding it
    _views: dict[bool | None, list[Record]] = field(default_factory=dict)

    def view(self, is_available: bool | None) -> list[Record]:
        """The (cached) list the ``is_available`` filter selects: O(n) once, not per page."""
        if is_available not in self._views:
            self._views[is_available] = (
                self.numbers
                if is_available is None
                else [r for r in self.numbers if r["is_available"] is is_available]
            )
        return self._views[is_available]

    def changed(self) -> None:
        self._views.clear()

    def recompute(self, e164: str) -> None:
        """Re-derive who holds ``e164`` (inbound or attached) after an agent changed."""
        if not e164:
            return
        holders = [
            a["model_id"]
            for a in self.assistants
            if a["phone_number"] == e164
            or any(x["number"] == e164 for x in a["attached_phone_numbers"])
        ]
        if holders:
            self.holders[e164] = holders
        else:
            self.holders.pop(e164, None)
        index = self.slugs.get(e164.removeprefix("+"))
        if index is not None:
            self.numbers[index]["is_available"] = not holders
        self.changed()


def _sid(n: WorldNumber) -> str | None:
    """Twilio-bought numbers carry a ``PN…`` SID; custom (imported) ones have ``null``."""
    return None if n.index % 5 == 4 else "PN" + stable_hex("synthflow:sid", n.index, 32)


def _attached(n: WorldNumber) -> Record:
    return {"number": n.e164, "sid": _sid(n), "slug": n.e164.lstrip("+")}


def _render(world: World) -> SynthflowState:
    held: dict[int, list[WorldNumber]] = {a.index: [] for a in world.assistants}
    for n in world.numbers:
        if n.assistant is not None:
            held[n.assistant].append(n)
    assistants: list[Record] = []
    holders: dict[str, list[str]] = {}
    for a in world.assistants:
        model_id = stable_uuid("synthflow:assistant", a.index)
        mine = held[a.index]
        for n in mine:
            holders[n.e164] = [model_id]
        assistants.append(
            {
                "model_id": model_id,
                "name": a.name,
                "type": "inbound" if mine else "outbound",
                "description": f"{a.name} (emulated)",
                "phone_number": mine[0].e164 if mine else "",
                "external_webhook_url": "",
                "is_recording": False,
                "max_duration": {"duration_seconds": 1800, "is_enabled": False},
                "agent": {
                    "prompt": f"You are {a.name}.",
                    "greeting_message": "Hello, how can I help?",
                    "greeting_message_mode": "agent",
                    "llm": "gpt-4o",
                    "language": "en-US",
                    "voice_id": "emulated-voice",
                    "timezone": "Europe/Amsterdam",
                },
                "end_call_reasons": [],
                # ASSUMPTION: list items carry attached_phone_numbers like the get-one item.
                # (Docs-only: the list leaves it out, see _list_item.)
                "attached_phone_numbers": [_attached(n) for n in mine[1:]],
            }
        )
    numbers = [
        {"number": n.e164, "sid": _sid(n), "is_available": n.assistant is None}
        for n in world.numbers
    ]
    return SynthflowState(
        numbers=numbers,
        slugs={n.e164.lstrip("+"): i for i, n in enumerate(world.numbers)},
        assistants=assistants,
        by_model_id={a["model_id"]: a for a in assistants},
        holders=holders,
    )


def _bad_request() -> Response:
    """The documented 400 of the number and list endpoints: an empty-object schema."""
    return JSONResponse({}, 400)


def _detail(status_code: int, description: str, category: str, *, empty: bool = False) -> Response:
    """Synthflow's documented error body ``{"detail": {status, description, ...}}``;
    ``empty``: an undocumented error in docs-only mode, whose body is ``{}``."""
    if empty:
        return JSONResponse({}, status_code)
    body = {
        "status": "error",
        "description": description,
        "request_id": str(uuid.uuid4()),
        "category": category,
    }
    return JSONResponse({"detail": body}, status_code)


def _page(request: Request, config: EmulatorConfig) -> tuple[int, int] | None:
    limit = bounded_int_param(
        request, "limit", DEFAULT_LIMIT, 1, 2**31 if config.docs_only else MAX_LIMIT
    )
    offset = bounded_int_param(request, "offset", 0, 0, 2**31)
    return None if limit is None or offset is None else (limit, offset)


def _listing(key: str, items: list[Record], limit: int, offset: int, cap: int | None) -> Response:
    """One page; ``cap`` shortens it silently (``pagination.limit`` still says ``limit``)."""
    pagination = {"total_records": len(items), "limit": limit, "offset": offset}
    page = window(items, offset, limit, cap)
    return JSONResponse({"status": "ok", "response": {"pagination": pagination, key: page}})


def create_app(config: EmulatorConfig) -> Starlette:
    world = make_world(
        config.seed, config.numbers, config.assistants, provider="synthflow", present=config.present
    )
    state = _render(world)
    cap = config.page_cap(documented_max=False)
    hidden = config.docs_only  # undocumented error bodies are empty objects

    def unauthorized() -> Response:
        # ASSUMPTION: 401 is undocumented; it uses the documented detail error body.
        return _detail(401, "Invalid or missing API key", "authentication_error", empty=hidden)

    authed = authenticated(bearer(config.api_key), unauthorized)

    def workspace_ok(request: Request) -> bool:
        return request.query_params.get("workspace") == config.workspace

    @authed
    async def list_numbers(request: Request) -> Response:
        page = _page(request, config)
        raw = request.query_params.get("is_available")
        flag = None if raw is None else raw.lower()
        if page is None or not workspace_ok(request) or flag not in (None, *_TRUE, *_FALSE):
            return _bad_request()
        is_available = None if flag is None else flag in _TRUE
        return _listing("phone_numbers", state.view(is_available), *page, cap)

    @authed
    async def get_number(request: Request) -> Response:
        if not workspace_ok(request):
            return _bad_request()
        slug = request.path_params["slug"]
        index = state.slugs.get(slug)
        if index is None:
            # ASSUMPTION: the number 404 is undocumented; it uses the detail error body.
            return _detail(404, f"Phone number {slug} not found", "not_found", empty=hidden)
        record, n = state.numbers[index], world.numbers[index]
        return JSONResponse(
            {
                "slug": slug,
                "address_requirement": "none",
                "phone_number": n.e164,
                "friendly_name": n.label or "",
                "is_sms_capable": n.sms,
                "is_voice_capable": n.voice,
                "iso_country": "US" if n.e164.startswith("+1") else "",
                "locality": n.locality or "",
                "sip_auth_username": None,
                "sip_outbound_proxy": None,
                "sip_term_uri": "",
                "uac_enabled": False,
                "uac_register_expires": None,
                "sid": record["sid"],
                "provider_name": "custom" if record["sid"] is None else "twilio",
                "region": "us1",
                "is_available": record["is_available"],
                "agency_workspace_id": None,
                "workspace_id": config.workspace,
                "created_at": iso(n.created_at),
                "updated_at": None,
                "assistants": state.holders.get(n.e164, []),
            }
        )

    @authed
    async def list_assistants(request: Request) -> Response:
        page = _page(request, config)
        if page is None:
            return _bad_request()
        return _listing("assistants", [_list_item(a) for a in state.assistants], *page, cap)

    def _list_item(agent: Record) -> Record:
        """Docs-only: the list item without the get-one item's ``attached_phone_numbers``."""
        if not config.docs_only:
            return agent
        return {k: v for k, v in agent.items() if k != "attached_phone_numbers"}

    @authed
    async def get_assistant(request: Request) -> Response:
        model_id = request.path_params["model_id"]
        item = state.by_model_id.get(model_id)
        if item is None:
            # ASSUMPTION: get-one's 404 is undocumented; it mirrors the attach endpoint's 404.
            return _detail(404, f"Agent {model_id} not found", "not_found", empty=hidden)
        if (request.query_params.get("include_actions") or "").lower() in _TRUE:
            item = {**item, "actions": [], "input_variables": []}
        # ASSUMPTION: get-one's pagination block describes the one-item result.
        pagination = {"total_records": 1, "limit": 1, "offset": 0}
        if config.docs_only:  # the whole list's block, as if the item were a list page
            pagination = {"total_records": len(state.assistants), "limit": 20, "offset": 0}
        return JSONResponse(
            {"status": "ok", "response": {"pagination": pagination, "assistants": [item]}}
        )

    @authed
    async def update_assistant(request: Request) -> Response:
        """``PUT /v2/assistants/{model_id}``: a partial update; ``phone_number`` links inbound."""
        model_id = request.path_params["model_id"]
        item = state.by_model_id.get(model_id)
        if item is None:
            return _detail(404, f"Agent {model_id} not found", "not_found")
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _detail(400, "Request body must be a JSON object", "validation_error")
        # ASSUMPTION: of the updatable fields, the emulator applies name, description and
        # phone_number; the others are accepted and ignored.
        for key in ("name", "description"):
            if key in body and not isinstance(body[key], str):
                return _detail(400, f"{key} must be a string", "validation_error")
        phone = body.get("phone_number", item["phone_number"])
        if phone is None:
            phone = ""
        if not isinstance(phone, str):
            return _detail(400, "phone_number must be a string", "validation_error")
        if phone and (not phone.startswith("+") or phone[1:] not in state.slugs):
            # ASSUMPTION: the number must be one of the workspace's (a 400, like other input).
            return _detail(
                400, f"Phone number {phone} is not in this workspace", "validation_error"
            )
        if phone and any(a["phone_number"] == phone for a in state.assistants if a is not item):
            return _detail(
                400,
                f"Phone number {phone} is already the inbound number of another agent",
                "validation_error",
            )
        for key in ("name", "description"):
            if key in body:
                item[key] = body[key]
        old, item["phone_number"] = item["phone_number"], phone
        state.recompute(old)
        state.recompute(phone)
        # ASSUMPTION: details.phone is the agent's inbound number (null if none), details.voice
        # its voice id; the spec names the two keys only.
        return JSONResponse(
            {
                "status": "ok",
                "response": {"model_id": model_id},
                "details": {"phone": None, "voice": None}
                if config.docs_only
                else {"phone": phone or None, "voice": item["agent"]["voice_id"]},
            }
        )

    @authed
    async def detach_number(request: Request) -> Response:
        """``DELETE /v2/assistants/{model_id}/phone_numbers/{slug}``: drop an outbound number."""
        model_id, slug = request.path_params["model_id"], request.path_params["slug"]
        item = state.by_model_id.get(model_id)
        if item is None:
            return _detail(404, f"Agent {model_id} not found", "not_found")
        attached = item["attached_phone_numbers"]
        match = [x for x in attached if x["slug"] == slug]
        if not match:
            return _detail(
                400, f"Phone number {slug} is not attached to agent {model_id}", "validation_error"
            )
        item["attached_phone_numbers"] = [x for x in attached if x["slug"] != slug]
        state.recompute(match[0]["number"])
        return JSONResponse({"status": "ok"})

    routes: list[BaseRoute] = [
        Route("/v2/numbers", list_numbers, methods=["GET"]),
        Route("/v2/numbers/{slug}", get_number, methods=["GET"]),
        Route("/v2/assistants/", list_assistants, methods=["GET"]),
        Route("/v2/assistants", list_assistants, methods=["GET"]),
        Route("/v2/assistants/{model_id}", get_assistant, methods=["GET"]),
        Route("/v2/assistants/{model_id}", update_assistant, methods=["PUT"]),
        Route("/v2/assistants/{model_id}/phone_numbers/{slug}", detach_number, methods=["DELETE"]),
    ]
    return build_app(routes, world, config, state)
