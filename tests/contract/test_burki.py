"""Burki contract: the documented wire details of the emulator, and the adapter on it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx
import pytest

from gateway.emulators.burki import BurkiState
from gateway.errors import UpstreamBadResponse, UpstreamHTTPError, UpstreamUnauthorized
from gateway.model import NumberStatus, ProviderName
from gateway.providers.base import NumberFilter, PageRequest, Pagination, collect_all
from gateway.providers.burki import Adapter

if TYPE_CHECKING:  # type-only: collects whether or not tests/ is a package
    from .conftest import Harness, HarnessFactory

BURKI = ProviderName.BURKI
ASSISTANTS = "/api/v1/assistants"
NUMBERS = "/api/v1/assistants/organization/phone-numbers"
AVAILABLE = "/api/v1/assistants/organization/phone-numbers/available"
AUTH = {"Authorization": "Bearer demo-key"}
AUTH_DETAIL = "Authentication required. Provide a valid API key or login session."
TWILIO_SID = re.compile(r"^PN[0-9a-f]{32}$")
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
NUMBER_KEYS = {
    "id",
    "phone_number",
    "friendly_name",
    "provider",
    "twilio_sid",
    "is_active",
    "is_verified_caller_id",
    "capabilities",
    "sip_trunk_id",
    "allowed_country_codes",
    "assistant",
    "flow",
    "created_at",
    "updated_at",
}
ASSISTANT_REQUIRED = {"id", "name", "organization_id", "user_id", "created_at", "updated_at"}


async def get(
    h: Harness, path: str, headers: dict[str, str] | None = None, **params: Any
) -> httpx.Response:
    return await h.http.get(path, params=params, headers=AUTH if headers is None else headers)


async def get_ok(h: Harness, path: str, **params: Any) -> Any:
    resp = await get(h, path, **params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def state(h: Harness) -> BurkiState:
    data: BurkiState = h.app.state.data
    return data


def world_e164s(h: Harness, *, assigned: bool | None = None) -> list[str]:
    return sorted(
        w.e164 for w in h.world.numbers if assigned is None or (w.assistant is not None) is assigned
    )


def validation(resp: httpx.Response) -> list[dict[str, Any]]:
    """The documented 422 body: ``{"detail": [{loc, msg, type}]}``."""
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"]
    assert isinstance(detail, list)
    assert detail
    for error in detail:
        assert set(error) == {"loc", "msg", "type"}
        assert isinstance(error["msg"], str)
        assert isinstance(error["type"], str)
    return detail


class WireCalls:
    """The (path, query) of every request the emulator receives from now on, as it came
    on the wire (the emulator's own record, not a spy on the client)."""

    def __init__(self, h: Harness) -> None:
        self._targets = h.app.state.control.targets
        self._targets.clear()

    def __call__(self) -> list[tuple[str, dict[str, str] | None]]:
        split = (t.partition("?") for t in self._targets)
        return [(path, dict(parse_qsl(query)) or None) for path, _, query in split]

    def clear(self) -> None:
        self._targets.clear()


# --- auth ---------------------------------------------------------------------------

ALL_PATHS = [NUMBERS, AVAILABLE, ASSISTANTS, f"{ASSISTANTS}/1"]


@pytest.mark.parametrize("path", ALL_PATHS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": "Basic demo-key"},
        {"Authorization": "demo-key"},
        {"Authorization": "Bearer "},
        {"X-API-Key": "demo-key"},
    ],
    ids=["missing", "wrong-key", "basic", "no-scheme", "empty", "other-header"],
)
async def test_unauthenticated_is_documented_401(
    make_harness: HarnessFactory, path: str, headers: dict[str, str]
) -> None:
    h = make_harness(BURKI)
    resp = await get(h, path, headers)
    assert resp.status_code == 401
    assert resp.json() == {"detail": AUTH_DETAIL}
    assert resp.headers["www-authenticate"] == "Bearer"


async def test_bearer_scheme_is_case_insensitive(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI)
    resp = await get(h, AVAILABLE, {"Authorization": "bearer demo-key"})
    assert resp.status_code == 200


async def test_auth_is_checked_before_validation(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI)
    resp = await get(h, ASSISTANTS, {}, limit=0)
    assert resp.status_code == 401
    assert resp.json() == {"detail": AUTH_DETAIL}
    resp = await get(h, f"{ASSISTANTS}/abc", {})
    assert resp.status_code == 401


@pytest.mark.parametrize("api_key", ["wrong-key", ""])
async def test_adapter_raises_unauthorized_everywhere(
    make_harness: HarnessFactory, api_key: str
) -> None:
    h = make_harness(BURKI, api_key=api_key)
    for status in (None, NumberStatus.AVAILABLE, NumberStatus.ASSIGNED):
        with pytest.raises(UpstreamUnauthorized) as err:
            await h.adapter.list_phone_numbers(NumberFilter(status), PageRequest(limit=10))
        assert err.value.status == 401
        assert err.value.provider is BURKI
    with pytest.raises(UpstreamUnauthorized):
        await h.adapter.list_assistants(PageRequest(limit=10))
    with pytest.raises(UpstreamUnauthorized):
        await h.adapter.get_assistant("1")


def test_auth_headers() -> None:
    from gateway.config import ProviderSettings

    assert Adapter.auth.headers(ProviderSettings(api_key="k-1")) == {"Authorization": "Bearer k-1"}
    assert Adapter.auth.headers(ProviderSettings()) == {}


# --- phone numbers: the wire --------------------------------------------------------


async def test_number_records_have_the_documented_shape(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=40, assistants=5)
    records = await get_ok(h, NUMBERS, include_inactive="true")
    assert isinstance(records, list)
    assert len(records) == 44
    for r in records:
        assert set(r) == NUMBER_KEYS
        assert isinstance(r["id"], int)
        assert not isinstance(r["id"], bool)
        assert E164.match(r["phone_number"])
        assert TWILIO_SID.match(r["twilio_sid"])
        assert r["provider"] in {"twilio", "telnyx"}
        assert set(r["capabilities"]) == {"voice", "sms", "mms"}
        assert all(isinstance(v, bool) for v in r["capabilities"].values())
        assert r["is_verified_caller_id"] is False
        assert r["flow"] is None
        assert ISO.match(r["created_at"])
        assert r["updated_at"] is None or ISO.match(r["updated_at"])
        assert r["assistant"] is None or set(r["assistant"]) == {"id", "name", "is_active"}
    assert len({r["id"] for r in records}) == len({r["twilio_sid"] for r in records}) == 44
    assert {r["provider"] for r in records} == {"twilio", "telnyx"}
    assert any(r["updated_at"] is None for r in records)
    numbers = [r["phone_number"] for r in records]
    assert numbers == sorted(numbers)  # the backend orders by phone_number


async def test_default_list_is_every_active_number(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=30, assistants=4)
    records = await get_ok(h, NUMBERS)
    assert [r["phone_number"] for r in records] == world_e164s(h)
    assert all(r["is_active"] for r in records)
    explicit = await get_ok(
        h, NUMBERS, include_assigned="true", include_unassigned="true", include_inactive="false"
    )
    assert explicit == records


async def test_include_flags_filter_by_assignment(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=30, assistants=4)
    assigned = await get_ok(h, NUMBERS, include_unassigned="false")
    free = await get_ok(h, NUMBERS, include_assigned="false")
    assert [r["phone_number"] for r in assigned] == world_e164s(h, assigned=True)
    assert [r["phone_number"] for r in free] == world_e164s(h, assigned=False)
    assert all(r["assistant"] is not None for r in assigned)
    assert all(r["assistant"] is None for r in free)
    assert assigned
    assert free
    assert await get_ok(h, NUMBERS, include_assigned="false", include_unassigned="false") == []


async def test_include_inactive_adds_released_numbers(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=30, assistants=4)
    everything = await get_ok(h, NUMBERS, include_inactive="true")
    released = [r for r in everything if not r["is_active"]]
    assert len(released) == 3
    world = set(world_e164s(h))
    assert all(r["phone_number"] not in world and r["assistant"] is None for r in released)
    assert {r["phone_number"] for r in everything if r["is_active"]} == world
    free = await get_ok(h, NUMBERS, include_assigned="false", include_inactive="true")
    assert {r["id"] for r in free} == {r["id"] for r in everything if r["assistant"] is None}
    assigned = await get_ok(h, NUMBERS, include_unassigned="false", include_inactive="true")
    assert [r["phone_number"] for r in assigned] == world_e164s(h, assigned=True)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("1", True), ("YES", True), ("on", True), ("False", False), ("0", False)],
)
async def test_boolean_spellings_follow_fastapi(
    make_harness: HarnessFactory, raw: str, value: bool
) -> None:
    h = make_harness(BURKI, numbers=20, assistants=3)
    records = await get_ok(h, NUMBERS, include_unassigned=raw)
    expected = world_e164s(h) if value else world_e164s(h, assigned=True)
    assert [r["phone_number"] for r in records] == expected


async def test_bad_booleans_are_one_422_listing_each(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI)
    resp = await get(h, NUMBERS, include_assigned="maybe", include_inactive="2")
    msg = "Input should be a valid boolean, unable to interpret input"
    assert validation(resp) == [
        {"loc": ["query", "include_assigned"], "msg": msg, "type": "bool_parsing"},
        {"loc": ["query", "include_inactive"], "msg": msg, "type": "bool_parsing"},
    ]


async def test_available_lists_active_unassigned_and_takes_no_parameters(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(BURKI, numbers=30, assistants=4)
    records = await get_ok(h, AVAILABLE)
    assert [r["phone_number"] for r in records] == world_e164s(h, assigned=False)
    assert all(r["assistant"] is None and r["is_active"] for r in records)
    assert records == await get_ok(h, NUMBERS, include_assigned="false")
    ignored = await get_ok(h, AVAILABLE, include_assigned="true", include_inactive="true", limit=1)
    assert ignored == records


async def test_available_with_no_assistants_is_everything(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=12, assistants=0)
    assert len(await get_ok(h, AVAILABLE)) == 12
    assert await get_ok(h, NUMBERS, include_unassigned="false") == []


async def test_number_assistant_refs_point_at_world_assistants(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(BURKI, numbers=40, assistants=6)
    by_e164 = {w.e164: w for w in h.world.numbers}
    for r in await get_ok(h, NUMBERS):
        w = by_e164[r["phone_number"]]
        if w.assistant is None:
            assert r["assistant"] is None
            continue
        world_assistant = h.world.assistants[w.assistant]
        assert r["assistant"]["name"] == world_assistant.name
        assert r["assistant"]["is_active"] is world_assistant.active
        one = await get_ok(h, f"{ASSISTANTS}/{r['assistant']['id']}")
        assert one["name"] == world_assistant.name


async def test_state_relinks_a_number(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=10, assistants=3)
    free = (await get_ok(h, AVAILABLE))[0]
    state(h).set_assistant(free["id"], 2)
    moved = next(r for r in await get_ok(h, NUMBERS) if r["id"] == free["id"])
    assert moved["assistant"] == {
        "id": 2,
        "name": h.world.assistants[1].name,
        "is_active": h.world.assistants[1].active,
    }
    assert free["id"] not in {r["id"] for r in await get_ok(h, AVAILABLE)}
    state(h).set_assistant(free["id"], None)
    assert free["id"] in {r["id"] for r in await get_ok(h, AVAILABLE)}
    with pytest.raises(KeyError):
        state(h).set_assistant(free["id"], 99)


# --- phone numbers: the adapter -----------------------------------------------------


async def test_adapter_maps_every_field(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=37, assistants=6)
    raw = {str(r["id"]): r for r in await get_ok(h, NUMBERS)}
    page = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=10))
    assert page.total == len(page.items) == 37
    assert page.next_cursor is None
    by_e164 = {w.e164: w for w in h.world.numbers}
    for n in page.items:
        r, w = raw[n.native_id], by_e164[n.number]
        assert n.provider is BURKI
        assert n.display_name == w.label == r["friendly_name"]
        assert n.carrier == r["provider"]
        assert n.number_type is None
        assert n.locality is None
        caps = r["capabilities"]
        assert (n.capabilities.voice, n.capabilities.sms, n.capabilities.mms) == (
            caps["voice"],
            caps["sms"],
            caps["mms"],
        )
        assert n.capabilities.voice is w.voice
        assert n.capabilities.sms is w.sms
        assert n.capabilities.inbound is None
        assert n.capabilities.outbound is None
        assert n.created_at == w.created_at
        assert isinstance(n.created_at, datetime)
        assert n.created_at.tzinfo is not None
        if r["updated_at"] is None:
            assert n.updated_at is None
        else:
            assert n.updated_at == w.created_at + timedelta(days=1)
        if w.assistant is None:
            assert n.status is NumberStatus.AVAILABLE
            assert n.assistant is None
        else:
            assert n.status is NumberStatus.ASSIGNED
            assert n.assistant is not None
            assert n.assistant.provider is BURKI
            assert n.assistant.native_id == str(w.assistant + 1)
            assert n.assistant.name == h.world.assistants[w.assistant].name


async def test_adapter_never_returns_released_numbers(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=50, assistants=4)
    assert any(not r["is_active"] for r in state(h).numbers)
    for status in (None, NumberStatus.AVAILABLE, NumberStatus.ASSIGNED):
        page = await h.adapter.list_phone_numbers(NumberFilter(status), PageRequest(limit=5))
        expected = world_e164s(h, assigned=None if status is None else status.value == "ASSIGNED")
        assert [n.number for n in page.items] == expected


async def test_adapter_filters_upstream(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=30, assistants=4)
    calls = WireCalls(h)
    request = PageRequest(limit=3, offset=7)  # ignored: Burki returns the whole list
    available = await h.adapter.list_phone_numbers(NumberFilter(NumberStatus.AVAILABLE), request)
    assigned = await h.adapter.list_phone_numbers(NumberFilter(NumberStatus.ASSIGNED), request)
    everything = await h.adapter.list_phone_numbers(NumberFilter(), request)
    assert calls() == [
        (AVAILABLE, None),
        (
            NUMBERS,
            {
                "include_assigned": "true",
                "include_unassigned": "false",
                "include_inactive": "false",
            },
        ),
        (
            NUMBERS,
            {"include_assigned": "true", "include_unassigned": "true", "include_inactive": "false"},
        ),
    ]
    assert {n.status for n in available.items} == {NumberStatus.AVAILABLE}
    assert {n.status for n in assigned.items} == {NumberStatus.ASSIGNED}
    assert sorted(n.native_id for n in available.items + assigned.items) == sorted(
        n.native_id for n in everything.items
    )
    assert Adapter.info.native_number_filters == frozenset({"status"})
    assert Adapter.info.pagination is Pagination.NONE


async def test_adapter_collects_the_whole_list_in_one_call(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=1500, assistants=3)
    numbers = await collect_all(
        lambda req: h.adapter.list_phone_numbers(NumberFilter(), req), Pagination.NONE, 100
    )
    assert len(numbers) == 1500
    assert h.client.requests[NUMBERS] == 1


async def test_wrong_number_shape_is_a_typed_error(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=5, assistants=2)
    del state(h).numbers[2]["phone_number"]
    with pytest.raises(UpstreamBadResponse) as err:
        await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=10))
    assert err.value.provider is BURKI
    assert "phone_number" in str(err.value)


# --- assistants: the wire -----------------------------------------------------------


async def test_assistant_records_have_the_documented_shape(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=3, assistants=13)
    records = await get_ok(h, ASSISTANTS)
    assert [r["id"] for r in records] == list(range(1, 14))
    assert [r["name"] for r in records] == [a.name for a in h.world.assistants]
    assert [r["is_active"] for r in records] == [a.active for a in h.world.assistants]
    for r in records:
        assert set(r) >= ASSISTANT_REQUIRED
        assert all(isinstance(r[k], int) for k in ("id", "organization_id", "user_id"))
        assert ISO.match(r["created_at"])
        assert ISO.match(r["updated_at"])
        assert not {"phone_number", "phone_numbers", "phone_number_ids"} & set(r)
        assert r["total_calls"] is None


async def test_skip_and_limit_page_the_assistants(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=3, assistants=13)
    ids = [[r["id"] for r in await get_ok(h, ASSISTANTS, skip=s, limit=4)] for s in (0, 4, 8, 12)]
    assert ids == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13]]
    assert await get_ok(h, ASSISTANTS, skip=13) == []
    assert await get_ok(h, ASSISTANTS, skip=500, limit=1000) == []
    assert len(await get_ok(h, ASSISTANTS, limit=1000)) == 13
    assert [r["id"] for r in await get_ok(h, ASSISTANTS, skip=12, limit=1)] == [13]


async def test_default_limit_is_100(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=1, assistants=130)
    assert len(await get_ok(h, ASSISTANTS)) == 100
    assert [r["id"] for r in await get_ok(h, ASSISTANTS, skip=100)] == list(range(101, 131))


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"limit": 1001},
            (["query", "limit"], "Input should be less than or equal to 1000", "less_than_equal"),
        ),
        (
            {"limit": 0},
            (
                ["query", "limit"],
                "Input should be greater than or equal to 1",
                "greater_than_equal",
            ),
        ),
        (
            {"skip": -1},
            (["query", "skip"], "Input should be greater than or equal to 0", "greater_than_equal"),
        ),
        (
            {"limit": "ten"},
            (
                ["query", "limit"],
                "Input should be a valid integer, unable to parse string as an integer",
                "int_parsing",
            ),
        ),
        (
            {"active_only": "sometimes"},
            (
                ["query", "active_only"],
                "Input should be a valid boolean, unable to interpret input",
                "bool_parsing",
            ),
        ),
    ],
)
async def test_assistant_list_validation(
    make_harness: HarnessFactory, params: dict[str, Any], error: tuple[list[str], str, str]
) -> None:
    h = make_harness(BURKI)
    loc, msg, kind = error
    assert validation(await get(h, ASSISTANTS, **params)) == [
        {"loc": loc, "msg": msg, "type": kind}
    ]


async def test_assistant_list_collects_every_error(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI)
    detail = validation(await get(h, ASSISTANTS, skip="x", limit=5000))
    assert [(e["loc"], e["type"]) for e in detail] == [
        (["query", "skip"], "int_parsing"),
        (["query", "limit"], "less_than_equal"),
    ]


async def test_active_only_and_my_assistants_only(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=1, assistants=12)
    active = await get_ok(h, ASSISTANTS, active_only="true")
    assert [r["name"] for r in active] == [a.name for a in h.world.assistants if a.active]
    assert len(active) < 12
    mine = await get_ok(h, ASSISTANTS, my_assistants_only="true")
    everyone = await get_ok(h, ASSISTANTS)
    assert mine == [r for r in everyone if r["user_id"] == 1]
    assert 0 < len(mine) < 12
    both = await get_ok(h, ASSISTANTS, active_only="true", my_assistants_only="true", limit=2)
    assert both == [r for r in mine if r["is_active"]][:2]


async def test_include_stats(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=1, assistants=4)
    plain = await get_ok(h, ASSISTANTS)
    stats = await get_ok(h, ASSISTANTS, include_stats="true")
    assert [r["id"] for r in stats] == [r["id"] for r in plain]
    for r in stats:
        assert isinstance(r["total_calls"], int)
        assert isinstance(r["avg_call_duration"], float)
        assert 0 <= r["success_rate"] <= 1


async def test_get_one_assistant(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=1, assistants=5)
    listed = await get_ok(h, ASSISTANTS)
    assert await get_ok(h, f"{ASSISTANTS}/3") == listed[2]


@pytest.mark.parametrize("assistant_id", ["0", "6", "999999"])
async def test_unknown_assistant_is_documented_404(
    make_harness: HarnessFactory, assistant_id: str
) -> None:
    h = make_harness(BURKI, numbers=1, assistants=5)
    resp = await get(h, f"{ASSISTANTS}/{assistant_id}")
    assert resp.status_code == 404
    assert resp.json() == {
        "detail": f"Assistant with ID {assistant_id} not found in your organization"
    }


@pytest.mark.parametrize("assistant_id", ["abc", "1.5", "asst_1"])
async def test_non_integer_assistant_id_is_422(
    make_harness: HarnessFactory, assistant_id: str
) -> None:
    h = make_harness(BURKI)
    assert validation(await get(h, f"{ASSISTANTS}/{assistant_id}")) == [
        {
            "loc": ["path", "assistant_id"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "type": "int_parsing",
        }
    ]


# --- assistants: the adapter --------------------------------------------------------


async def test_adapter_pages_assistants_to_the_end(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=1, assistants=8)
    pages = [await h.adapter.list_assistants(PageRequest(limit=4, offset=o)) for o in (0, 4, 8)]
    assert [len(p.items) for p in pages] == [4, 4, 0]
    # Burki reports no total: the page that finds the end (empty) carries the one it implies.
    assert [p.total for p in pages] == [None, None, 8]
    everything = await collect_all(h.adapter.list_assistants, Pagination.OFFSET, 4)
    assert [a.native_id for a in everything] == [str(i) for i in range(1, 9)]
    assert h.client.requests[ASSISTANTS] == 3 + 3  # the last full page needs an empty one
    for a, w in zip(everything, h.world.assistants, strict=True):
        assert (a.provider, a.name, a.active) == (BURKI, w.name, w.active)
        assert a.phone_number_ids is None
        assert a.phone_numbers is None


async def test_adapter_assistant_edges(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=1, assistants=5)
    last = await h.adapter.list_assistants(PageRequest(limit=3, offset=4))
    assert [a.native_id for a in last.items] == ["5"]
    assert (await h.adapter.list_assistants(PageRequest(limit=3, offset=5))).items == []
    one = await h.adapter.list_assistants(PageRequest(limit=1))
    assert [a.native_id for a in one.items] == ["1"]


async def test_adapter_splits_pages_above_the_upstream_maximum(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(BURKI, numbers=1, assistants=1205)
    calls = WireCalls(h)
    page = await h.adapter.list_assistants(PageRequest(limit=1100, offset=50))
    assert [a.native_id for a in page.items] == [str(i) for i in range(51, 1151)]
    assert calls() == [
        (ASSISTANTS, {"skip": "50", "limit": "1000"}),
        (ASSISTANTS, {"skip": "1050", "limit": "100"}),
    ]
    calls.clear()
    rest = await h.adapter.list_assistants(PageRequest(limit=5000, offset=100))
    assert len(rest.items) == 1105
    assert len(calls()) == 2  # 1000, then a short page ends it


async def test_adapter_get_assistant(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=1, assistants=5)
    got = await h.adapter.get_assistant("4")
    assert got is not None
    assert got.native_id == "4"
    assert got.name == h.world.assistants[3].name
    assert got.active is h.world.assistants[3].active
    assert await h.adapter.get_assistant("6") is None
    assert await h.adapter.get_assistant("0") is None


@pytest.mark.parametrize("native_id", ["abc", "-1", "1.0", "", "asst_1", "\u0661"])
async def test_adapter_non_integer_id_is_none_without_a_call(
    make_harness: HarnessFactory, native_id: str
) -> None:
    h = make_harness(BURKI, numbers=1, assistants=2)
    assert await h.adapter.get_assistant(native_id) is None
    assert h.client.requests.total() == 0


async def test_adapter_get_assistant_other_errors_propagate(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=1, assistants=2)
    await h.inject(status=500, times=1)
    with pytest.raises(UpstreamHTTPError) as err:
        await h.adapter.get_assistant("1")
    assert err.value.status == 500


async def test_numbers_link_to_assistants_the_adapter_can_fetch(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(BURKI, numbers=25, assistants=4)
    page = await h.adapter.list_phone_numbers(
        NumberFilter(NumberStatus.ASSIGNED), PageRequest(limit=10)
    )
    assert page.items
    for n in page.items:
        assert n.assistant is not None
        assistant = await h.adapter.get_assistant(n.assistant.native_id)
        assert assistant is not None
        assert assistant.name == n.assistant.name
