"""Butter AI contract: the documented wire details of the emulator, and the adapter on it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gateway.demo import demo_provider_settings
from gateway.emulators.butter import ButterState
from gateway.emulators.common import EmulatorConfig
from gateway.errors import UpstreamBadResponse, UpstreamUnauthorized
from gateway.model import NumberStatus, ProviderName
from gateway.providers.base import NumberFilter, PageRequest, Pagination, collect_all
from gateway.providers.butter import Adapter, ButterSettings
from gateway.upstream import UpstreamClient

if TYPE_CHECKING:  # type-only: collects whether or not tests/ is a package
    from .conftest import Harness, HarnessFactory

BUTTER = ProviderName.BUTTER
NUMBERS = "/api/phone-numbers"
AGENTS = "/api/agents"
PHON_ID = re.compile(r"^phon_[a-f0-9]{12,}$")
AGENT_ID = re.compile(r"^agent_[a-f0-9]{12,}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
AUTH = {"X-API-Key": "demo-key", "X-Organization-Id": "org_demo"}


async def get(
    h: Harness, path: str, headers: dict[str, str] | None = None, **params: Any
) -> httpx.Response:
    return await h.http.get(path, params=params, headers=AUTH if headers is None else headers)


async def walk(h: Harness, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every raw page of ``path``, following ``next_cursor`` to the end."""
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        resp = await get(h, path, **params, **({"cursor": cursor} if cursor else {}))
        assert resp.status_code == 200, resp.text
        body = resp.json()
        pages.append(body)
        cursor = body["pagination"]["next_cursor"]
        assert body["pagination"]["has_more"] is (cursor is not None)
        if cursor is None:
            return pages


def items(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for page in pages for item in page["data"]]


def assert_error(resp: httpx.Response, status: int) -> None:
    assert resp.status_code == status
    body = resp.json()
    assert body["success"] is False
    assert isinstance(body["message"], str)
    assert body["message"]


def world_status(h: Harness, e164: str) -> str:
    w = next(w for w in h.world.numbers if w.e164 == e164)
    return "free" if w.assistant is None else "assigned"


# --- auth ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [NUMBERS, AGENTS])
async def test_missing_or_wrong_key_is_401(make_harness: HarnessFactory, path: str) -> None:
    h = make_harness(BUTTER)
    assert_error(await get(h, path, {"X-Organization-Id": "org_demo"}), 401)
    assert_error(await get(h, path, {**AUTH, "X-API-Key": "nope"}), 401)


async def test_organization_header_is_required_and_checked(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER)
    assert_error(await get(h, NUMBERS, {"X-API-Key": "demo-key"}), 400)
    assert_error(await get(h, NUMBERS, {**AUTH, "X-Organization-Id": "org_other"}), 403)
    assert_error(await get(h, f"{AGENTS}/agent_000000000000", {"X-API-Key": "demo-key"}), 400)


async def test_adapter_sends_both_headers() -> None:
    settings = demo_provider_settings(BUTTER)
    assert Adapter.auth.headers(settings) == {
        "X-API-Key": "demo-key",
        "X-Organization-Id": "org_demo",
    }


@pytest.mark.parametrize("call", ["numbers", "assistants", "one"])
async def test_adapter_wrong_key_is_unauthorized(make_harness: HarnessFactory, call: str) -> None:
    h = make_harness(BUTTER, api_key="wrong-key")
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "numbers": lambda: h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=5)),
        "assistants": lambda: h.adapter.list_assistants(PageRequest(limit=5)),
        "one": lambda: h.adapter.get_assistant("agent_000000000000"),
    }
    with pytest.raises(UpstreamUnauthorized) as err:
        await calls[call]()
    assert err.value.status == 401
    assert err.value.provider is BUTTER


async def test_adapter_wrong_organization_is_unauthorized(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER)
    settings = demo_provider_settings(BUTTER).model_copy(update={"organization_id": "org_x"})
    assert isinstance(settings, ButterSettings)
    transport = httpx.ASGITransport(app=h.app)
    client = UpstreamClient(BUTTER, settings, Adapter.auth.headers(settings), transport=transport)
    try:
        with pytest.raises(UpstreamUnauthorized) as err:
            await Adapter(settings, client).list_phone_numbers(NumberFilter(), PageRequest(10))
        assert err.value.status == 403
    finally:
        await client.aclose()


# --- the phone-number list on the wire ----------------------------------------------


async def test_numbers_have_the_documented_shape(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=30, assistants=4)
    numbers = items(await walk(h, NUMBERS, page_size=100))
    agent_ids = [a["agent_id"] for a in items(await walk(h, AGENTS))]
    assert len(numbers) == 30
    for n, w in zip(numbers, h.world.numbers, strict=True):
        assert set(n) == {
            "phone_number_id",
            "phone_number",
            "provider",
            "status",
            "supports_inbound",
            "supports_outbound",
            "assigned_agent_id",
            "created_at",
        }
        assert PHON_ID.match(n["phone_number_id"])
        assert n["phone_number"] == w.e164
        assert n["provider"] in {"twilio", "sip"}
        assert ISO.match(n["created_at"])
        assert n["status"] == ("free" if w.assistant is None else "assigned")
        expected_agent = None if w.assistant is None else agent_ids[w.assistant]
        assert n["assigned_agent_id"] == expected_agent
    assert {n["provider"] for n in numbers} == {"twilio", "sip"}


async def test_default_and_maximum_page_size(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=130, assistants=3)
    body = (await get(h, NUMBERS)).json()
    assert body["success"] is True
    assert len(body["data"]) == 20
    assert body["pagination"]["page_size"] == 20
    assert body["pagination"]["total_count"] == 130
    body = (await get(h, NUMBERS, page_size=100)).json()
    assert len(body["data"]) == 100
    assert body["pagination"]["has_more"] is True


@pytest.mark.parametrize("path", [NUMBERS, AGENTS])
@pytest.mark.parametrize("bad", ["0", "-1", "101", "abc", "2.5"])
async def test_bad_page_size_is_400(make_harness: HarnessFactory, path: str, bad: str) -> None:
    assert_error(await get(make_harness(BUTTER), path, page_size=bad), 400)


@pytest.mark.parametrize("path", [NUMBERS, AGENTS])
@pytest.mark.parametrize("bad", ["garbage!", "bm90LWEtY3Vyc29y", "cGhvbjo5OTk", "YWdlbnQ6LTE"])
async def test_bad_cursor_is_400(make_harness: HarnessFactory, path: str, bad: str) -> None:
    # base64 of "not-a-cursor", "phon:999" (past the end) and "agent:-1".
    assert_error(await get(make_harness(BUTTER), path, cursor=bad), 400)


async def test_cursor_of_another_list_is_400(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=30, assistants=30)
    agents_cursor = (await get(h, AGENTS, page_size=5)).json()["pagination"]["next_cursor"]
    numbers_cursor = (await get(h, NUMBERS, page_size=5)).json()["pagination"]["next_cursor"]
    assert_error(await get(h, NUMBERS, cursor=agents_cursor), 400)
    assert_error(await get(h, AGENTS, cursor=numbers_cursor), 400)


@pytest.mark.parametrize(("total", "size"), [(45, 20), (40, 20), (1, 1), (7, 100)])
async def test_pages_to_the_end(make_harness: HarnessFactory, total: int, size: int) -> None:
    h = make_harness(BUTTER, numbers=total, assistants=3)
    pages = await walk(h, NUMBERS, page_size=size)
    assert len(pages) == -(-total // size)
    assert [len(p["data"]) for p in pages[:-1]] == [size] * (len(pages) - 1)
    assert all(p["pagination"]["total_count"] == total for p in pages)
    assert all(p["pagination"]["page_size"] == size for p in pages)
    assert [n["phone_number"] for n in items(pages)] == [w.e164 for w in h.world.numbers]


async def test_empty_world(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=0, assistants=0)
    for path in (NUMBERS, AGENTS):
        body = (await get(h, path)).json()
        assert body == {
            "success": True,
            "data": [],
            "pagination": {
                "next_cursor": None,
                "has_more": False,
                "page_size": 20,
                "total_count": 0,
            },
        }
    page = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=10))
    assert page.items == []
    assert page.total == 0
    assert page.next_cursor is None


@pytest.mark.parametrize("status", ["free", "assigned"])
async def test_status_filter_on_the_wire(make_harness: HarnessFactory, status: str) -> None:
    h = make_harness(BUTTER, numbers=60, assistants=4)
    pages = await walk(h, NUMBERS, status=status, page_size=7)
    want = [w.e164 for w in h.world.numbers if world_status(h, w.e164) == status]
    assert [n["phone_number"] for n in items(pages)] == want
    assert {n["status"] for n in items(pages)} == {status}
    assert all(p["pagination"]["total_count"] == len(want) for p in pages)


async def test_bad_status_is_400(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER)
    for bad in ("busy", "FREE", ""):
        assert_error(await get(h, NUMBERS, status=bad), 400)


async def test_filtered_pages_follow_status_changes() -> None:
    """The linking endpoints will mutate state: the status index must follow."""
    from gateway.emulators.butter import create_app

    app = create_app(EmulatorConfig(numbers=10, assistants=2))
    state: ButterState = app.state.data
    free = [n for n in state.numbers if n["status"] == "free"]
    agent = state.agents[1]
    state.set_agent(free[0]["phone_number_id"], agent["agent_id"])
    assert free[0]["status"] == "assigned"
    assert free[0]["assigned_agent_id"] == agent["agent_id"]
    assert free[0]["phone_number_id"] in agent["assigned_phone_number_ids"]
    state.set_agent(free[0]["phone_number_id"], None)
    assert free[0]["phone_number_id"] not in agent["assigned_phone_number_ids"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as c:
        held = free[1]["phone_number_id"]
        state.set_agent(held, agent["agent_id"])
        body = (await c.get(NUMBERS, params={"status": "assigned"}, headers=AUTH)).json()
        assert held in {n["phone_number_id"] for n in body["data"]}
        body = (await c.get(NUMBERS, params={"status": "free"}, headers=AUTH)).json()
        assert held not in {n["phone_number_id"] for n in body["data"]}
        assert body["pagination"]["total_count"] == len(free) - 1


# --- the adapter --------------------------------------------------------------------


async def test_adapter_pages_and_maps_numbers(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=23, assistants=3)
    raw = {n["phone_number_id"]: n for n in items(await walk(h, NUMBERS, page_size=100))}
    first = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=10))
    assert len(first.items) == 10
    assert first.total == 23
    assert first.next_cursor is not None
    numbers = await collect_all(
        lambda r: h.adapter.list_phone_numbers(NumberFilter(), r), Adapter.info.pagination, 10
    )
    assert [n.number for n in numbers] == [w.e164 for w in h.world.numbers]
    for n, w in zip(numbers, h.world.numbers, strict=True):
        r = raw[n.native_id]
        assert n.provider is BUTTER
        assert PHON_ID.match(n.native_id)
        assert n.carrier == r["provider"]
        assert n.created_at == w.created_at
        assert n.capabilities.inbound is r["supports_inbound"]
        assert n.capabilities.outbound is r["supports_outbound"]
        # Butter says nothing about these: never invented.
        assert n.capabilities.voice is n.capabilities.sms is n.capabilities.mms is None
        assert n.display_name is None
        assert n.number_type is None
        assert n.locality is None
        assert n.updated_at is None


async def test_adapter_last_page_has_no_cursor(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=12, assistants=2)
    first = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=8))
    last = await h.adapter.list_phone_numbers(
        NumberFilter(), PageRequest(limit=8, cursor=first.next_cursor)
    )
    assert len(last.items) == 4
    assert last.next_cursor is None
    assert last.total == 12
    assert not {n.native_id for n in first.items} & {n.native_id for n in last.items}


async def test_adapter_clamps_oversized_pages(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=150, assistants=2)
    page = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=5000))
    assert len(page.items) == 100
    assert page.next_cursor is not None


@pytest.mark.parametrize("status", list(NumberStatus))
async def test_adapter_status_filter_is_native(
    make_harness: HarnessFactory, status: NumberStatus
) -> None:
    assert "status" in Adapter.info.native_number_filters
    h = make_harness(BUTTER, numbers=50, assistants=4)
    h.client.requests.clear()
    page = await h.adapter.list_phone_numbers(NumberFilter(status=status), PageRequest(limit=100))
    want = [
        w for w in h.world.numbers if (w.assistant is not None) == (status is NumberStatus.ASSIGNED)
    ]
    assert [n.number for n in page.items] == [w.e164 for w in want]
    assert page.total == len(want)
    assert {n.status for n in page.items} == {status}
    stats = (await h.http.get("/__emulator__/stats")).json()
    assert stats["requests"] == {NUMBERS: 1}


async def test_numbers_point_to_the_right_agents(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=40, assistants=5)
    agents = await collect_all(h.adapter.list_assistants, Pagination.CURSOR, 2)
    by_id = {a.native_id: a for a in agents}
    numbers = await collect_all(
        lambda r: h.adapter.list_phone_numbers(NumberFilter(), r), Pagination.CURSOR, 100
    )
    for n, w in zip(numbers, h.world.numbers, strict=True):
        if w.assistant is None:
            assert n.assistant is None
            assert n.status is NumberStatus.AVAILABLE
            continue
        assert n.assistant is not None
        assert n.status is NumberStatus.ASSIGNED
        assert n.assistant.provider is BUTTER
        assert n.assistant.name is None
        agent = by_id[n.assistant.native_id]
        assert agent.name == h.world.assistants[w.assistant].name
        assert n.native_id in (agent.phone_number_ids or ())


async def test_assistants_map_and_hold_their_numbers(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=40, assistants=7)
    number_of = {
        n["phone_number_id"]: n["phone_number"] for n in items(await walk(h, NUMBERS, page_size=50))
    }
    first = await h.adapter.list_assistants(PageRequest(limit=3))
    assert len(first.items) == 3
    assert first.total == 7
    assert first.next_cursor is not None
    agents = await collect_all(h.adapter.list_assistants, Adapter.info.assistant_pagination, 3)
    assert [a.name for a in agents] == [w.name for w in h.world.assistants]
    for a, w in zip(agents, h.world.assistants, strict=True):
        assert AGENT_ID.match(a.native_id)
        assert a.provider is BUTTER
        assert a.active is None
        assert a.phone_numbers is None  # Butter has neither
        held = sorted(number_of[i] for i in a.phone_number_ids or ())
        assert held == sorted(n.e164 for n in h.world.numbers_of(w.index))


async def test_get_agent_and_its_404(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=10, assistants=3)
    listed = items(await walk(h, AGENTS))
    resp = await get(h, f"{AGENTS}/{listed[1]['agent_id']}")
    assert resp.status_code == 200
    assert resp.json() == {"success": True, "data": listed[1]}
    assert set(listed[1]) == {
        "agent_id",
        "agent_name",
        "assigned_phone_number_ids",
        "system_prompt",
        "llm_temperature",
        "updated_at",
    }
    assert_error(await get(h, f"{AGENTS}/agent_ffffffffffff"), 404)
    one = await h.adapter.get_assistant(listed[1]["agent_id"])
    assert one is not None
    assert one.name == h.world.assistants[1].name
    assert one.phone_number_ids == tuple(listed[1]["assigned_phone_number_ids"])
    assert await h.adapter.get_assistant("agent_ffffffffffff") is None
    assert await h.adapter.get_assistant("../phone-numbers") is None


async def test_off_shape_record_is_bad_response(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER)
    h.app.state.data.agents[0]["agent_name"] = None  # a record off the documented shape
    with pytest.raises(UpstreamBadResponse) as err:
        await h.adapter.list_assistants(PageRequest(limit=10))
    assert err.value.provider is BUTTER
    assert "agent_name" in str(err.value)


async def test_fifty_thousand_numbers_page_quickly(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=50_000, assistants=20)
    started = datetime.now()
    page = await h.adapter.list_phone_numbers(
        NumberFilter(status=NumberStatus.AVAILABLE), PageRequest(limit=100)
    )
    assert page.total is not None
    assert 0 < page.total < 50_000
    for _ in range(20):
        page = await h.adapter.list_phone_numbers(
            NumberFilter(status=NumberStatus.AVAILABLE), PageRequest(100, cursor=page.next_cursor)
        )
    assert (datetime.now() - started).total_seconds() < 5
