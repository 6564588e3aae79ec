"""Flireo AI emulator (doc.flireo.nl): ``/v1/phone-numbers`` and ``/v1/assistants``.

A number points to its assistant through ``linked_assistant``, and that side is the truth.
A Flireo assistant holds one number at most (its ``phone-number`` sub-resource is
singular), while the neutral world may give it several: the sub-resource shows the oldest.

Linking (doc.flireo.nl "phone-numbers-linking"): ``POST /v1/assistants/{id}/phone-number``
links ``{phone_number_id}``, releasing the number from any other assistant
(``released_assistants``) and replacing the number the sub-resource showed
(``previous_phone_number_id``); the new number is the one it shows from then on.
``DELETE`` unlinks the number the sub-resource shows. Errors use the documented codes:
``invalid_parameters``, ``not_found``, ``already_linked``, ``already_in_use``,
``no_phone_number``.

Docs-only mode (``EmulatorConfig.docs_only``): ``GET /v1/assistants/{id}`` is not served
(a plain 404: its path is not in the stored docs), ``shared_numbers`` come with every
number list, asked for or not, lists are oldest first (the docs name no order; only the
example is newest first), and the assistant list is ``{data: [...]}`` with no ``meta``
(its shape is not in the stored docs: it pages like the number list but reports no
total). ``EmulatorConfig.max_page_size`` caps pages silently in either mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from .common import (
    EmulatorConfig,
    Record,
    World,
    build_app,
    by_id,
    int_param,
    iso,
    make_world,
    stable_uuid,
    window,
)
from .http import EmulatorError, Endpoint, bearer, endpoint
from .http import Handler as HTTPHandler

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# The 401 body of reference.flireo.com's authentication page.
UNAUTHORIZED = EmulatorError(
    401, {"error": "Unauthorized", "message": "Invalid or missing API key"}
)


class FlireoError(EmulatorError):
    """A documented error: ``{"error": {"code", "message", "details"}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, {"error": {"code": code, "message": message, "details": {}}})
        self.code, self.message = code, message


@dataclass
class FlireoData:
    """Flireo's own records, in listing order; the dicts are shared by every index."""

    numbers: list[Record]
    assistants: list[Record]
    shared_numbers: list[Record]
    numbers_by_id: dict[str, Record] = field(init=False)
    assistants_by_id: dict[str, Record] = field(init=False)
    # Assistant id -> ids of the numbers linked to it, in the order they were linked.
    linked: dict[str, list[str]] = field(init=False)

    def __post_init__(self) -> None:
        self.numbers_by_id = by_id(self.numbers)
        self.assistants_by_id = by_id(self.assistants)
        self.linked = {a["id"]: [] for a in self.assistants}
        for number in sorted(self.numbers, key=lambda n: n["created_at"]):  # oldest first
            if number["linked_assistant"] is not None:
                self.linked[number["linked_assistant"]["id"]].append(number["id"])

    def link(self, number_id: str, assistant_id: str | None, *, first: bool = False) -> None:
        """Point a number at an assistant (``None``: unlink), keeping every view in step.

        ``first``: the number becomes the one the assistant's sub-resource shows.
        """
        number = self.numbers_by_id[number_id]
        if number["linked_assistant"] is not None:
            self.linked[number["linked_assistant"]["id"]].remove(number_id)
        if assistant_id is None:
            number.update(available=True, linked_assistant=None)
            return
        name = self.assistants_by_id[assistant_id]["name"]
        number.update(available=False, linked_assistant={"id": assistant_id, "name": name})
        if first:
            self.linked[assistant_id].insert(0, number_id)
        else:
            self.linked[assistant_id].append(number_id)

    def linked_number(self, assistant_id: str) -> Record | None:
        ids = self.linked[assistant_id]
        return self.numbers_by_id[ids[0]] if ids else None


def render(world: World, docs_only: bool = False) -> FlireoData:
    """The world as Flireo records."""
    assistants = [
        {
            "id": stable_uuid("flireo:assistant", a.index),
            "name": a.name,
            "created_at": iso(a.created_at),
        }
        for a in world.assistants
    ]
    numbers = [
        {
            "id": stable_uuid("flireo:number", n.index),
            "phone_number": n.e164,
            "locality": n.locality,
            "number_type": n.number_type,
            "available": n.assistant is None,
            "created_at": iso(n.created_at),
            "linked_assistant": None
            if n.assistant is None
            else {"id": assistants[n.assistant]["id"], "name": assistants[n.assistant]["name"]},
        }
        for n in world.numbers
    ]
    shared = [
        {
            "id": stable_uuid("flireo:shared", i),
            "phone_number": f"+3185000{1234 + i}",
            "locality": None,
            "number_type": "national",
        }
        for i in range(2)
    ]
    # ASSUMPTION: lists are newest first, as the documented number example is ordered.
    if docs_only:
        return FlireoData(numbers, assistants, shared)
    return FlireoData(numbers[::-1], assistants[::-1], shared)


def _page(request: Request, records: list[Record]) -> tuple[list[Record], Record]:
    """The documented limit (1-100, default 50) + offset slice and its ``meta``."""
    limit = int_param(request, "limit", DEFAULT_LIMIT)
    offset = int_param(request, "offset", 0)
    if limit is None or not 1 <= limit <= MAX_LIMIT:
        raise FlireoError(400, "invalid_parameters", "limit must be an integer from 1 to 100")
    if offset is None or offset < 0:
        raise FlireoError(400, "invalid_parameters", "offset must be a non-negative integer")
    meta = {"total": len(records), "limit": limit, "offset": offset}
    cap = request.app.state.config.page_cap(documented_max=True)
    return window(records, offset, limit, cap), meta


def list_numbers(request: Request, data: FlireoData) -> Record:
    items, meta = _page(request, data.numbers)
    body: Record = {"data": items}
    # ASSUMPTION: only the exact string "true" adds shared_numbers, in full and outside meta.
    docs_only = request.app.state.config.docs_only
    if docs_only or request.query_params.get("include_default") == "true":
        body["shared_numbers"] = data.shared_numbers
    body["meta"] = meta
    return body


def _assistant(request: Request, data: FlireoData) -> Record:
    record = data.assistants_by_id.get(request.path_params["id"])
    if record is None:
        raise FlireoError(404, "not_found", "Assistant not found")
    return record


# ASSUMPTION: assistants list/get like numbers: {data: [...], meta} paged, {data: {...}} one.
def list_assistants(request: Request, data: FlireoData) -> Record:
    items, meta = _page(request, data.assistants)
    if request.app.state.config.docs_only:
        return {"data": items}
    return {"data": items, "meta": meta}


def get_assistant(request: Request, data: FlireoData) -> Record:
    return {"data": _assistant(request, data)}


def get_linked_number(request: Request, data: FlireoData) -> Record:
    assistant = _assistant(request, data)
    number = data.linked_number(assistant["id"])
    linked = None
    if number is not None:
        linked = {
            "id": number["id"],
            "number": number["phone_number"],
            "type": number["number_type"],
            "locality": number["locality"],
            "origin": "custom",
        }
    return {
        "data": {
            "assistant_id": assistant["id"],
            "assistant_name": assistant["name"],
            "phone_number": linked,
        }
    }


def link_number(request: Request, data: FlireoData, body: Any) -> Record:
    """``POST /v1/assistants/{id}/phone-number``: link, releasing other assistants."""
    assistant = _assistant(request, data)
    number_id = body.get("phone_number_id") if isinstance(body, dict) else None
    if not isinstance(number_id, str) or not _UUID.fullmatch(number_id):
        raise FlireoError(400, "invalid_parameters", "phone_number_id must be a UUID")
    if any(n["id"] == number_id for n in data.shared_numbers):
        # ASSUMPTION: a shared default number belongs to every account: it is in use.
        raise FlireoError(400, "already_in_use", "Shared default numbers cannot be linked")
    number = data.numbers_by_id.get(number_id)
    if number is None:
        raise FlireoError(404, "not_found", "Phone number not found")
    holder = number["linked_assistant"]
    if holder is not None and holder["id"] == assistant["id"]:
        raise FlireoError(400, "already_linked", "Phone number is already linked to this assistant")
    previous = data.linked_number(assistant["id"])
    if previous is not None:
        data.link(previous["id"], None)
    data.link(number_id, assistant["id"], first=True)
    return {
        "message": "Phone number linked successfully",
        "data": {
            "assistant_id": assistant["id"],
            "phone_number": {
                "id": number["id"],
                "number": number["phone_number"],
                "type": number["number_type"],
                "locality": number["locality"],
            },
            "previous_phone_number_id": None if previous is None else previous["id"],
            "released_assistants": 0 if holder is None else 1,
        },
    }


def unlink_number(request: Request, data: FlireoData, _body: Any) -> Record:
    """``DELETE /v1/assistants/{id}/phone-number``: unlink the number it shows."""
    assistant = _assistant(request, data)
    number = data.linked_number(assistant["id"])
    if number is None:
        raise FlireoError(400, "no_phone_number", "Assistant has no linked phone number")
    data.link(number["id"], None)
    return {
        "message": "Phone number unlinked successfully",
        "data": {
            "assistant_id": assistant["id"],
            "unlinked_phone_number": {"id": number["id"], "number": number["phone_number"]},
        },
    }


Handler = Callable[[Request, FlireoData], Record]
WriteHandler = Callable[[Request, FlireoData, Any], Record]


def _read(handler: Handler, data: FlireoData) -> HTTPHandler:
    """A read handler as an endpoint handler: reads take no body."""
    return lambda request, _body: handler(request, data)


def _write(handler: WriteHandler, data: FlireoData) -> HTTPHandler:
    """A write handler as an endpoint handler: the JSON body is ``None`` if absent or not
    JSON (the handler reports ``invalid_parameters`` where it needs one)."""
    return lambda request, body: handler(request, data, body)


def create_app(config: EmulatorConfig) -> Starlette:
    world = make_world(
        config.seed, config.numbers, config.assistants, provider="flireo", present=config.present
    )
    data = render(world, config.docs_only)
    reads: list[tuple[str, Handler]] = [
        ("/v1/phone-numbers", list_numbers),
        ("/v1/assistants", list_assistants),
        ("/v1/assistants/{id}/phone-number", get_linked_number),
    ]
    if not config.docs_only:
        reads.append(("/v1/assistants/{id}", get_assistant))
    check = bearer(config.api_key)

    def serve(handler: HTTPHandler) -> Endpoint:
        """Bearer auth first, then the handler; documented errors become their bodies."""
        return endpoint(handler, authorized=check, unauthorized=UNAUTHORIZED)

    routes: list[BaseRoute] = [Route(path, serve(_read(h, data))) for path, h in reads]
    routes += [
        Route("/v1/assistants/{id}/phone-number", serve(_write(h, data)), methods=[method])
        for method, h in (("POST", link_number), ("DELETE", unlink_number))
    ]
    return build_app(routes, world, config, data)
