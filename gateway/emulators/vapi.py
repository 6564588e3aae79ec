"""Vapi emulator (api.vapi.ai; ../shared/providers-vapi-retell.md A).

Numbers: ``GET /phone-number`` (a bare array, ``limit`` 0-1000, default 100, and the
``createdAt*``/``updatedAt*`` filters), ``GET /v2/phone-number`` (``page`` + ``limit``,
answering ``{results, metadata}``), ``GET``/``PATCH /phone-number/{id}``. Assistants:
``GET /assistant`` (a bare array, same parameters) and ``GET /assistant/{id}``. Ids are
UUIDs, timestamps ISO 8601, errors NestJS bodies ``{message, error, statusCode}`` with
``message`` a list for validation failures.

A number routes to at most one target: ``assistantId`` (or a squad or workflow, which
this world never uses). ``PATCH`` with ``assistantId: null`` clears it, an absent key
keeps it; ``provider`` may be sent or not; unknown keys are a 400.

Docs-only mode (``EmulatorConfig.docs_only``) takes the hostile side of each
``# ASSUMPTION:``: unset optional fields are left out instead of sent as ``null``, a
malformed id is a 400 instead of a 404, and ``/v2/phone-number`` is not served (a plain
404), as a deployment without the paginated list would answer.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from .common import (
    EmulatorConfig,
    Record,
    World,
    bounded_int_param,
    build_app,
    by_id,
    iso,
    make_world,
    served,
    stable_uuid,
)
from .http import EmulatorError, Handler, bearer, endpoint

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
ORG_ID = stable_uuid("vapi:org", 0)
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# The telephony providers a Vapi number comes from (the ``provider`` discriminator).
_CARRIERS = ("vapi", "twilio", "byo-phone-number", "telnyx")
_PATCHABLE = {"provider", "name", "assistantId", "squadId", "workflowId", "server", "hooks"}
_COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    "Gt": operator.gt,
    "Lt": operator.lt,
    "Ge": operator.ge,
    "Le": operator.le,
}
_FILTERS = {
    f"{column}{op}": (column, op)
    for column in ("createdAt", "updatedAt")
    for op in ("Gt", "Lt", "Ge", "Le")
}


def nest_error(status: int, message: str | list[str]) -> EmulatorError:
    """NestJS's error body (the observed shape; A.9)."""
    reason = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(status, "Error")
    return EmulatorError(status, {"message": message, "error": reason, "statusCode": status})


UNAUTHORIZED = nest_error(
    401,
    "Invalid Key. Hot tip, you may be using the private key instead of the public key, "
    "or vice versa.",
)


@dataclass
class VapiData:
    """Vapi's own records, newest first; the dicts are shared with the indexes."""

    numbers: list[Record]
    assistants: list[Record]
    docs_only: bool
    numbers_by_id: dict[str, Record] = field(init=False)
    assistants_by_id: dict[str, Record] = field(init=False)

    def __post_init__(self) -> None:
        self.numbers_by_id = by_id(self.numbers)
        self.assistants_by_id = by_id(self.assistants)

    def shown(self, record: Record) -> Record:
        # ASSUMPTION: unset optional fields come back as null (docs-only: left out).
        return served(record, self.docs_only)


def render(world: World, docs_only: bool) -> VapiData:
    """The world as Vapi records."""
    assistants = [
        {
            "id": stable_uuid("vapi:assistant", a.index),
            "orgId": ORG_ID,
            "name": a.name,
            "createdAt": iso(a.created_at),
            "updatedAt": iso(a.created_at),
        }
        for a in world.assistants
    ]
    numbers = [
        {
            "id": stable_uuid("vapi:number", n.index),
            "orgId": ORG_ID,
            "provider": _CARRIERS[n.index % len(_CARRIERS)],
            "number": n.e164,
            "name": n.label,
            "status": "active",
            "assistantId": None if n.assistant is None else assistants[n.assistant]["id"],
            "squadId": None,
            "workflowId": None,
            "createdAt": iso(n.created_at),
            "updatedAt": iso(n.created_at),
        }
        for n in world.numbers
    ]
    # ASSUMPTION: both lists are newest first, the /v2 list's documented default order.
    return VapiData(numbers[::-1], assistants[::-1], docs_only)


def _int(request: Request, name: str, default: int, low: int, high: int) -> int:
    value = bounded_int_param(request, name, default, low, high)
    if value is None:
        # ASSUMPTION: out-of-range values are class-validator 400s (A.12).
        raise nest_error(
            400, [f"{name} must not be less than {low}", f"{name} must not be greater than {high}"]
        )
    return value


def _when(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise nest_error(
            400, ["createdAt/updatedAt filters must be ISO 8601 date strings"]
        ) from None


def _filtered(request: Request, records: list[Record]) -> list[Record]:
    """The documented ``createdAt*``/``updatedAt*`` filters, all of them applied."""
    kept = records
    for param, (column, op) in _FILTERS.items():
        raw = request.query_params.get(param)
        if raw is not None:
            bound, compare = _when(raw), _COMPARE[op]
            kept = [r for r in kept if compare(_when(r[column]), bound)]
    return kept


def _listed(request: Request, data: VapiData, records: list[Record]) -> list[Record]:
    limit = _int(request, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
    return [data.shown(r) for r in _filtered(request, records)[:limit]]


def list_numbers(request: Request, data: VapiData, _body: Any) -> list[Record]:
    return _listed(request, data, data.numbers)


def list_numbers_v2(request: Request, data: VapiData, _body: Any) -> Record:
    """``PhoneNumberPaginatedResponse``: one page and its ``metadata``."""
    page = _int(request, "page", 1, 1, 1_000_000)
    limit = _int(request, "limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
    # sortBy defaults to createdAt (A.4); cost and duration mean nothing for a number.
    # ASSUMPTION: ties keep the records' order (newest first), reversed with the rest.
    ascending = request.query_params.get("sortOrder") == "ASC"
    matching = sorted(_filtered(request, data.numbers), key=lambda r: _when(r["createdAt"]))
    matching = matching if ascending else matching[::-1]
    start = (page - 1) * limit
    total = len(matching)
    pages = -(-total // limit) if limit else 0
    return {
        "results": [data.shown(r) for r in matching[start : start + limit]],
        "metadata": {
            "itemsPerPage": limit,
            "totalItems": total,
            "currentPage": page,
            "totalPages": pages,
            "hasNextPage": page < pages,
            "sortOrder": request.query_params.get("sortOrder", "DESC"),
        },
    }


def _record(request: Request, table: dict[str, Record], what: str) -> Record:
    native_id = request.path_params["id"]
    if not _UUID.fullmatch(native_id) and request.app.state.config.docs_only:
        # ASSUMPTION: a malformed UUID is a 400 (docs-only); a 404 otherwise.
        raise nest_error(400, ["id must be a UUID"])
    record = table.get(native_id)
    if record is None:
        # ASSUMPTION: an unknown id is NestJS's default 404.
        raise nest_error(404, f"{what} not found")
    return record


def get_number(request: Request, data: VapiData, _body: Any) -> Record:
    return data.shown(_record(request, data.numbers_by_id, "Phone Number"))


def update_number(request: Request, data: VapiData, body: Any) -> Record:
    """``PATCH``: ``null`` clears a field, an absent key keeps it (A.6)."""
    number = _record(request, data.numbers_by_id, "Phone Number")
    if not isinstance(body, dict):
        raise nest_error(400, ["body must be an object"])
    unknown = sorted(set(body) - _PATCHABLE)
    if unknown:
        raise nest_error(400, [f"property {key} should not exist" for key in unknown])
    if "provider" in body and body["provider"] != number["provider"]:
        raise nest_error(400, [f"provider must be {number['provider']}"])
    targets = [k for k in ("assistantId", "squadId", "workflowId") if body.get(k) is not None]
    if len(targets) > 1:
        # ASSUMPTION: two targets at once are refused (A.6 leaves it open).
        raise nest_error(400, ["only one of assistantId, squadId or workflowId may be set"])
    for key in ("name", "assistantId", "squadId", "workflowId"):
        if key in body:
            number[key] = body[key]
    if targets:  # one target replaces the others
        for key in {"assistantId", "squadId", "workflowId"} - set(targets):
            number[key] = None
    # ASSUMPTION: PATCH does not check that the assistant exists (A.6 leaves it open).
    return data.shown(number)


def list_assistants(request: Request, data: VapiData, _body: Any) -> list[Record]:
    return _listed(request, data, data.assistants)


def get_assistant(request: Request, data: VapiData, _body: Any) -> Record:
    return data.shown(_record(request, data.assistants_by_id, "Assistant"))


def create_app(config: EmulatorConfig) -> Starlette:
    world = make_world(
        config.seed, config.numbers, config.assistants, provider="vapi", present=config.present
    )
    data = render(world, config.docs_only)
    served: list[tuple[str, str, Any]] = [
        ("GET", "/phone-number", list_numbers),
        ("GET", "/phone-number/{id}", get_number),
        ("PATCH", "/phone-number/{id}", update_number),
        ("GET", "/assistant", list_assistants),
        ("GET", "/assistant/{id}", get_assistant),
    ]
    if not config.docs_only:
        served.append(("GET", "/v2/phone-number", list_numbers_v2))
    check = bearer(config.api_key)

    def bound(handler: Any) -> Handler:
        return lambda request, body: handler(request, data, body)

    routes: list[BaseRoute] = [
        Route(path, endpoint(bound(h), authorized=check, unauthorized=UNAUTHORIZED), methods=[m])
        for m, path, h in served
    ]
    return build_app(routes, world, config, data)
