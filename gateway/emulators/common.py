"""What every provider emulator shares: a deterministic world, fault injection, stats.

The *world* is provider-neutral (numbers, assistants, who holds what). Each emulator
renders it in its own documented shape and ID format, so contract tests can compare what
an adapter returns with the same world and catch any drift between the two.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import demo_world
from .demo_world import BLOCKS, SLOTS, Block

CONTROL_PREFIX = "/__emulator__"
# One record as a provider serves it: a JSON object.
Record = dict[str, Any]
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class WorldNumber:
    index: int
    e164: str
    assistant: int | None  # index into World.assistants, or None when free
    created_at: datetime
    locality: str | None
    number_type: str
    voice: bool
    sms: bool
    label: str | None


@dataclass
class WorldAssistant:
    index: int
    name: str
    active: bool
    created_at: datetime


@dataclass
class World:
    numbers: list[WorldNumber]
    assistants: list[WorldAssistant]

    def numbers_of(self, assistant: int) -> list[WorldNumber]:
        return [n for n in self.numbers if n.assistant == assistant]


@dataclass(frozen=True)
class EmulatorConfig:
    """How big and which world an emulator serves, and the credentials it accepts."""

    api_key: str = "demo-key"
    seed: int = 42
    numbers: int = 25
    assistants: int = 5
    organization_id: str = "org_demo"
    workspace: str = "1710107690998x536152705164378100"
    user_id: str = "1762896364768x389173798861431550"
    # Serve only what the public docs show: undocumented get-one endpoints answer 404 or
    # 405, undocumented query parameters are ignored, and where an emulator marks a
    # behaviour ``# ASSUMPTION:`` it takes the most hostile alternative the docs allow
    # (each emulator's docstring lists what changes). Real upstreams may do either.
    docs_only: bool = False
    # Butter: the query parameters it pages by. The docs name none; ``page_size`` is
    # ignored in docs-only mode (the server keeps its own page size).
    page_size_param: str = "page_size"
    cursor_param: str = "cursor"
    # A page-size cap applied silently: a limit/offset list answers at most this many
    # items, whatever was asked, and says nothing (its pagination block echoes the limit
    # asked). ``None``: no cap beyond the emulator's own; under ``docs_only`` an emulator
    # whose docs state no maximum (Synthflow) caps at ``DOCS_ONLY_PAGE_CAP``.
    max_page_size: int | None = None
    # The world numbers served, by index (None: all ``numbers`` of them). A number keeps
    # its id and fields whatever else is served, so tests add and remove numbers between
    # requests by serving another set from a fresh emulator (tests/e2e/churn.py).
    present: frozenset[int] | None = None

    def page_cap(self, documented_max: bool) -> int | None:
        """The silent cap this emulator applies: the knob, else (docs-only, where the docs
        state no maximum) ``DOCS_ONLY_PAGE_CAP``."""
        if self.max_page_size is not None:
            return self.max_page_size
        return DOCS_ONLY_PAGE_CAP if self.docs_only and not documented_max else None


# The docs-only cap where the docs publish no page-size maximum: below our page sizes
# (100) and not the documented default (20), so both a short page and a total are tested.
DOCS_ONLY_PAGE_CAP = 30


def capped(items: list[Any], cap: int | None) -> list[Any]:
    """The first ``cap`` of ``items`` (all of them without a cap): a silent page cap."""
    return items if cap is None else items[:cap]


def window(items: list[Any], offset: int, limit: int, cap: int | None) -> list[Any]:
    """What an offset list serves for ``offset`` + ``limit``, shortened silently to ``cap``."""
    return capped(items[offset : offset + limit], cap)


def _draw(seed: int, provider: str | None, count: int) -> list[tuple[Block, str]]:
    """``count`` distinct numbers of ``provider``'s account, from the reserved ranges of
    its countries (then of any country, then ``demo_world.overflow``), never one another
    account draws."""
    rng = random.Random(f"{seed}:{provider}")
    slot = demo_world.slot_of(provider)
    countries = list(demo_world.countries_of(provider))
    free: dict[Block, list[int]] = {}
    for block in BLOCKS:
        offsets = list(range(slot, block.size, SLOTS))
        random.Random(f"{seed}:{block.prefix}").shuffle(offsets)
        free[block] = offsets
    out: list[tuple[Block, str]] = []
    overflow = demo_world.overflow(slot)
    for _ in range(count):
        open_blocks = [b for b in BLOCKS if free[b]]
        if not open_blocks:  # load tests: past the reserved ranges
            out.append(next(overflow))
            continue
        own = [c for c in countries if any(b.country == c for b in open_blocks)]
        if own:  # the account's main country most, the others less
            country = rng.choices(own, weights=range(len(own) + 1, 1, -1))[0]
            open_blocks = [b for b in open_blocks if b.country == country]
        # Mobile and non-geographic ranges are fewer but a line in three, as in real fleets.
        block = rng.choices(
            open_blocks, [4 if b.number_type != "local" else 1 for b in open_blocks]
        )[0]
        out.append((block, block.e164(free[block].pop())))
    return out


def _assistant_names(seed: int, provider: str | None, count: int) -> list[str]:
    """Believable, company-wide distinct names: a persona and a job, in several languages."""
    pool = [f"{first} ({role})" for first in demo_world.FIRST_NAMES for role in demo_world.ROLES]
    random.Random(seed).shuffle(pool)
    mine = pool[demo_world.slot_of(provider) :: SLOTS]
    # One persona per job within an account while there are enough of them.
    personas: set[str] = set()
    ordered: list[tuple[bool, int, str]] = []
    for name in mine:
        persona = name.split(" (")[0]
        ordered.append((persona in personas, len(ordered), name))
        personas.add(persona)
    mine = [name for _, _, name in sorted(ordered)]
    return [
        mine[i % len(mine)] + (f" {i // len(mine) + 1}" if i >= len(mine) else "")
        for i in range(count)
    ]


def make_world(
    seed: int,
    n_numbers: int,
    n_assistants: int,
    *,
    provider: str | None = None,
    present: frozenset[int] | None = None,
) -> World:
    """``provider``'s account of the demo company; the same arguments give the same world.

    Each account holds its own numbers (README, The demo world), except that its last
    number is also the first of the next account's (from 4 numbers on): a number held at
    two providers, which the gateway keeps as two records. ``present``: only the numbers
    with these indices (EmulatorConfig.present).
    """
    rng = random.Random(f"{seed}:{provider}:records")
    assistants = [
        WorldAssistant(
            index=i,
            name=name,
            active=rng.random() > 0.2,
            created_at=EPOCH + timedelta(hours=i),
        )
        for i, name in enumerate(_assistant_names(seed, provider, n_assistants))
    ]
    drawn = _draw(seed, provider, n_numbers)
    shared_with = demo_world.next_account(provider)
    if shared_with and n_numbers >= 4:
        drawn[-1] = _draw(seed, shared_with, 1)[0]
    numbers: list[WorldNumber] = []
    # The newest assistant (set up last) holds one number so far; the others share the
    # rest unevenly, a main line holding most, except the one before it (no number yet).
    newest = n_assistants - 1
    weights = [1 / (k + 1) ** 1.5 for k in range(max(newest, 0))]
    if newest >= 2:  # the one before it is still a draft: no number yet
        weights[newest - 1] = 0
    for i, (block, e164) in enumerate(drawn):
        assigned = n_assistants > 0 and rng.random() < 0.6
        holder = None
        if assigned:
            taken = any(n.assistant == newest for n in numbers)
            holder = rng.choices(range(newest), weights)[0] if taken and newest else newest
        sms = block.number_type == "mobile" or rng.random() < (0.7 if e164[1] == "1" else 0.2)
        numbers.append(
            WorldNumber(
                index=i,
                e164=e164,
                assistant=holder,
                created_at=EPOCH + timedelta(days=i // 24, hours=i % 24),
                locality=block.locality,
                number_type=block.number_type,
                voice=True,
                sms=sms,
                label=rng.choice(demo_world.labels(block.lang, block.locality))
                if rng.random() < 0.75
                else None,
            )
        )
    if present is not None:
        numbers = [n for n in numbers if n.index in present]
    return World(numbers=numbers, assistants=assistants)


def positions(records: list[Record], key: str) -> dict[Any, int]:
    """Where each record stands in ``records``, by its ``key`` (an id): the index an
    emulator's state keeps to find a record without a scan."""
    return {r[key]: i for i, r in enumerate(records)}


def by_id(records: list[Record], key: str = "id") -> dict[Any, Record]:
    """``records`` by their ``key``; the dicts are shared, so a change shows in both."""
    return {r[key]: r for r in records}


def stable_uuid(namespace: str, index: int) -> str:
    """A UUID that depends only on its namespace and index."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"switchboard:{namespace}:{index}"))


def stable_hex(namespace: str, index: int, length: int = 12) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"switchboard:{namespace}:{index}").hex[:length]


def iso(ts: datetime | None) -> str | None:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ") if ts else None


def served(record: dict[str, Any], omit_nulls: bool) -> dict[str, Any]:
    """A copy of ``record`` as an emulator answers it: unset optional fields as ``null``,
    or left out (``omit_nulls``: docs-only emulators where the docs do not say which)."""
    if omit_nulls:
        return {k: v for k, v in record.items() if v is not None}
    return dict(record)


def int_param(request: Request, name: str, default: int) -> int | None:
    """Parse an integer query parameter; ``None`` when it is present but not an integer."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        return None


def bounded_int_param(request: Request, name: str, default: int, low: int, high: int) -> int | None:
    """An integer query parameter within ``low..high``; ``None`` when it is present but
    not an integer or out of range (each emulator answers that with its own 400)."""
    value = int_param(request, name, default)
    return value if value is not None and low <= value <= high else None


def bool_param(request: Request, name: str, default: bool | None) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    return raw.lower() in {"true", "1"}


@dataclass
class Fault:
    """One injected misbehaviour; ``times`` None means until cleared."""

    latency_ms: float = 0
    status: int | None = None
    retry_after: float | None = None
    malformed: bool = False
    drop: bool = False
    wrong_shape: bool = False
    times: int | None = None
    path_prefix: str = ""


@dataclass
class Control:
    """Mutable emulator state the control endpoints act on."""

    faults: list[Fault] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    # The latest request targets exactly as they came on the wire (path?query, undecoded).
    targets: deque[str] = field(default_factory=lambda: deque(maxlen=1000))
    # When each of the latest requests arrived (time.monotonic): which calls of a GraphQL
    # request went out together, in one round, and which waited for others.
    arrivals: deque[float] = field(default_factory=lambda: deque(maxlen=1000))

    def take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if path.startswith(fault.path_prefix):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return fault
        return None


class FaultMiddleware:
    """Counts requests and applies injected faults before the provider routes run."""

    def __init__(self, app: ASGIApp, control: Control) -> None:
        self.app = app
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        self.control.requests[path] += 1
        self.control.arrivals.append(time.monotonic())
        raw = scope.get("raw_path") or path.encode()
        query = scope.get("query_string", b"")
        self.control.targets.append((raw + (b"?" + query if query else b"")).decode("latin-1"))
        fault = self.control.take_fault(path)
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.drop:
            # Start a response, then die: the client sees the connection drop mid-body.
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"100")],
                }
            )
            await send({"type": "http.response.body", "body": b'{"partial":', "more_body": True})
            raise ConnectionResetError("emulator dropped the connection")
        if fault.status is not None:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(int(fault.retry_after))
            resp: Response = JSONResponse({"error": "injected fault"}, fault.status, headers)
            await resp(scope, receive, send)
            return
        if fault.malformed:
            await Response(b'{"data": [', media_type="application/json")(scope, receive, send)
            return
        if fault.wrong_shape:
            await JSONResponse({"unexpected": True, "data": "not-a-list"})(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _control_routes(control: Control) -> list[BaseRoute]:
    async def set_faults(request: Request) -> Response:
        body = await request.json()
        items = body if isinstance(body, list) else [body]
        control.faults.extend(Fault(**item) for item in items)
        return JSONResponse({"faults": len(control.faults)})

    async def clear_faults(_request: Request) -> Response:
        control.faults.clear()
        return JSONResponse({"faults": 0})

    async def stats(_request: Request) -> Response:
        return JSONResponse({"requests": dict(control.requests), "total": control.requests.total()})

    async def reset_stats(_request: Request) -> Response:
        control.requests.clear()
        return JSONResponse({"total": 0})

    return [
        Route(f"{CONTROL_PREFIX}/faults", set_faults, methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/faults", clear_faults, methods=["DELETE"]),
        Route(f"{CONTROL_PREFIX}/stats", stats, methods=["GET"]),
        Route(f"{CONTROL_PREFIX}/stats", reset_stats, methods=["DELETE"]),
    ]


def build_app(
    routes: list[BaseRoute], world: World, config: EmulatorConfig, state: Any
) -> Starlette:
    """Wrap a provider's routes with the control endpoints and fault injection.

    ``app.state.world`` is the neutral truth, ``app.state.data`` the provider's own
    records (mutable, for linking), ``app.state.control`` the fault/stats control.
    """
    control = Control()
    app = Starlette(routes=[*_control_routes(control), *routes])
    app.add_middleware(FaultMiddleware, control=control)
    app.state.world = world
    app.state.config = config
    app.state.data = state
    app.state.control = control
    return app
