"""Flireo AI: the documented wire details of the emulator, and the adapter on top of them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from gateway.demo import demo_provider_settings
from gateway.errors import UpstreamBadResponse, UpstreamHTTPError
from gateway.model import Capabilities, NumberStatus, NumberType, ProviderName
from gateway.providers.base import NumberFilter, PageRequest, Pagination, collect_all
from gateway.providers.flireo import Adapter

from .conftest import Harness, HarnessFactory

FLIREO = ProviderName.FLIREO
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
NUMBER_FIELDS = {
    "id",
    "phone_number",
    "locality",
    "number_type",
    "available",
    "created_at",
    "linked_assistant",
}
UNAUTHORIZED = {"error": "Unauthorized", "message": "Invalid or missing API key"}
AUTH = {"Authorization": "Bearer demo-key"}


def flireo(make_harness: HarnessFactory, **kw: object) -> Harness:
    return make_harness(FLIREO, **kw)


async def get(h: Harness, path: str, **params: str | int) -> tuple[int, dict[str, Any]]:
    resp = await h.http.get(path, params=params, headers=AUTH)
    return resp.status_code, resp.json()


async def assistant_ids(h: Harness) -> dict[int, str]:
    """World assistant index -> Flireo id, matched by (unique) name through the raw API."""
    _, body = await get(h, "/v1/assistants", limit=100)
    by_name = {a["name"]: a["id"] for a in body["data"]}
    return {w.index: by_name[w.name] for w in h.world.assistants}


def assert_invalid(body: dict[str, Any], parameter: str) -> None:
    """The documented 400 body, naming the offending parameter."""
    assert set(body) == {"error"}
    assert body["error"]["code"] == "invalid_parameters"
    assert parameter in body["error"]["message"]
    assert body["error"]["details"] == {}


# --- auth ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/v1/phone-numbers", "/v1/assistants", "/v1/assistants/x/phone-number"]
)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "demo-key"},
        {"X-API-Key": "demo-key"},
    ],
)
async def test_bad_auth_gives_documented_401(
    make_harness: HarnessFactory, path: str, headers: dict[str, str]
) -> None:
    h = flireo(make_harness)
    resp = await h.http.get(path, headers=headers)
    assert resp.status_code == 401
    assert resp.json() == UNAUTHORIZED


async def test_auth_is_checked_before_validation(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness)
    resp = await h.http.get("/v1/phone-numbers", params={"limit": 0})
    assert resp.status_code == 401
    assert resp.json() == UNAUTHORIZED


async def test_adapter_sends_bearer_key(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness)
    settings = demo_provider_settings(FLIREO).model_copy(update={"api_key": "k-123"})
    assert Adapter.auth.headers(settings) == {"Authorization": "Bearer k-123"}
    page = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=5))
    assert len(page.items) == 5


async def test_adapter_wrong_key_is_unauthorized_everywhere(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, api_key="wrong-key")
    await h.assert_reads_unauthorized("wrong-key", "550e8400-e29b-41d4-a716-446655440000")


# --- GET /v1/phone-numbers on the wire -----------------------------------------------


async def test_number_records_have_the_documented_shape(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=40, assistants=4)
    status, body = await get(h, "/v1/phone-numbers", limit=100)
    assert status == 200
    assert set(body) == {"data", "meta"}  # shared_numbers only with include_default=true
    ids = await assistant_ids(h)
    by_e164 = {w.e164: w for w in h.world.numbers}
    for rec in body["data"]:
        assert set(rec) == NUMBER_FIELDS
        assert UUID.fullmatch(rec["id"])
        assert E164.fullmatch(rec["phone_number"])
        assert ISO.fullmatch(rec["created_at"])
        w = by_e164[rec["phone_number"]]
        assert rec["number_type"] == w.number_type in {"local", "mobile", "national"}
        assert rec["locality"] == w.locality
        assert rec["available"] is (w.assistant is None)
        if w.assistant is None:
            assert rec["linked_assistant"] is None
        else:
            want = h.world.assistants[w.assistant]
            assert rec["linked_assistant"] == {"id": ids[w.assistant], "name": want.name}
    created = [rec["created_at"] for rec in body["data"]]
    assert created == sorted(created, reverse=True)  # newest first, like the documented sample


async def test_numbers_default_page_and_meta(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=120, assistants=3)
    status, body = await get(h, "/v1/phone-numbers")
    assert status == 200
    assert len(body["data"]) == 50
    assert body["meta"] == {"total": 120, "limit": 50, "offset": 0}


@pytest.mark.parametrize(
    ("limit", "offset", "size"),
    [(1, 0, 1), (100, 0, 100), (100, 100, 20), (7, 119, 1), (10, 120, 0), (10, 500, 0)],
)
async def test_numbers_limit_offset_slices(
    make_harness: HarnessFactory, limit: int, offset: int, size: int
) -> None:
    h = flireo(make_harness, numbers=120, assistants=3)
    _, everything = await get(h, "/v1/phone-numbers", limit=100)
    _, rest = await get(h, "/v1/phone-numbers", limit=100, offset=100)
    whole = everything["data"] + rest["data"]
    status, body = await get(h, "/v1/phone-numbers", limit=limit, offset=offset)
    assert status == 200
    assert body["data"] == whole[offset : offset + limit]
    assert len(body["data"]) == size
    assert body["meta"] == {"total": 120, "limit": limit, "offset": offset}


async def test_numbers_page_to_the_end_on_the_wire(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=333, assistants=5)
    seen: list[str] = []
    offset = 0
    while True:
        _, body = await get(h, "/v1/phone-numbers", limit=100, offset=offset)
        seen += [r["phone_number"] for r in body["data"]]
        offset += len(body["data"])
        if offset >= body["meta"]["total"]:
            break
    assert len(seen) == len(set(seen)) == 333
    assert set(seen) == {w.e164 for w in h.world.numbers}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": -5}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "x"}, "offset"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/phone-numbers", "/v1/assistants"])
async def test_bad_paging_params_are_documented_400(
    make_harness: HarnessFactory, path: str, params: dict[str, Any], message: str
) -> None:
    h = flireo(make_harness)
    status, body = await get(h, path, **params)
    assert status == 400
    assert_invalid(body, message)


async def test_include_default_adds_shared_numbers_only_when_true(
    make_harness: HarnessFactory,
) -> None:
    h = flireo(make_harness, numbers=12, assistants=2)
    _, plain = await get(h, "/v1/phone-numbers")
    for value in ("false", "yes", "1"):
        _, body = await get(h, "/v1/phone-numbers", include_default=value)
        assert body == plain
    _, with_shared = await get(h, "/v1/phone-numbers", include_default="true", limit=5, offset=2)
    shared = with_shared["shared_numbers"]
    assert shared
    own = {w.e164 for w in h.world.numbers}
    for rec in shared:
        assert set(rec) == {"id", "phone_number", "locality", "number_type"}
        assert UUID.fullmatch(rec["id"])
        assert E164.fullmatch(rec["phone_number"])
        assert rec["phone_number"] not in own
    # Shared numbers are not part of the account's paged list.
    assert with_shared["meta"] == {"total": 12, "limit": 5, "offset": 2}
    assert with_shared["data"] == plain["data"][2:7]


async def test_adapter_ignores_shared_numbers(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=9, assistants=2)
    numbers = await collect_all(
        lambda req: h.adapter.list_phone_numbers(NumberFilter(), req), Pagination.OFFSET, 4
    )
    assert sorted(n.number for n in numbers) == sorted(w.e164 for w in h.world.numbers)
    _, body = await get(h, "/v1/phone-numbers", include_default="true")
    shared = {r["id"] for r in body["shared_numbers"]}
    assert shared
    assert not shared & {n.native_id for n in numbers}


async def test_large_world_last_page(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=50_000, assistants=20)
    status, body = await get(h, "/v1/phone-numbers", limit=100, offset=49_950)
    assert status == 200
    assert len(body["data"]) == 50
    assert body["meta"]["total"] == 50_000
    # Newest first: the last page holds the world's first numbers.
    assert body["data"][-1]["phone_number"] == h.world.numbers[0].e164


# --- the adapter on numbers -----------------------------------------------------------


async def test_adapter_maps_numbers_from_the_world(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=30, assistants=4)
    ids = await assistant_ids(h)
    page = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=100))
    assert page.total == 30
    assert len(page.items) == 30
    by_e164 = {w.e164: w for w in h.world.numbers}
    types = {
        "local": NumberType.LOCAL,
        "mobile": NumberType.MOBILE,
        "national": NumberType.NATIONAL,
    }
    for n in page.items:
        w = by_e164[n.number]
        assert n.provider is FLIREO
        assert UUID.fullmatch(n.native_id)
        assert n.number_type is types[w.number_type]
        assert n.locality == w.locality
        assert n.created_at == w.created_at
        assert isinstance(n.created_at, datetime)
        # Flireo documents none of these: they stay unknown, never invented.
        assert n.capabilities == Capabilities()
        assert n.display_name is None
        assert n.carrier is None
        assert n.updated_at is None
        if w.assistant is None:
            assert n.status is NumberStatus.AVAILABLE
            assert n.assistant is None
        else:
            assert n.status is NumberStatus.ASSIGNED
            assert n.assistant is not None
            assert n.assistant.provider is FLIREO
            assert n.assistant.native_id == ids[w.assistant]
            assert n.assistant.name == h.world.assistants[w.assistant].name


async def test_adapter_page_edges(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=25, assistants=2)
    flt = NumberFilter()
    tail = await h.adapter.list_phone_numbers(flt, PageRequest(limit=10, offset=22))
    assert len(tail.items) == 3
    assert tail.total == 25
    past = await h.adapter.list_phone_numbers(flt, PageRequest(limit=10, offset=25))
    assert past.items == []
    assert past.total == 25
    # A request above the documented maximum is capped at 100, not sent as a 400.
    big = await h.adapter.list_phone_numbers(flt, PageRequest(limit=1000))
    assert len(big.items) == 25


async def test_adapter_offsets_match_the_wire(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=40, assistants=3)
    page = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=7, offset=11))
    _, body = await get(h, "/v1/phone-numbers", limit=7, offset=11)
    assert [n.native_id for n in page.items] == [r["id"] for r in body["data"]]


async def test_adapter_pages_to_the_end(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=257, assistants=3)
    numbers = await collect_all(
        lambda req: h.adapter.list_phone_numbers(NumberFilter(), req), Pagination.OFFSET, 100
    )
    assert len({n.native_id for n in numbers}) == 257
    assert h.client.requests["/v1/phone-numbers"] == 3


async def test_status_filter_is_left_to_the_gateway(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=30, assistants=3)
    assert h.adapter.info.native_number_filters == frozenset()
    assert h.adapter.info.pagination is Pagination.OFFSET
    assert h.adapter.info.max_page_size == 100
    page = await h.adapter.list_phone_numbers(
        NumberFilter(status=NumberStatus.ASSIGNED), PageRequest(limit=100)
    )
    # Not natively filtered: the whole list comes back and the total counts all of it.
    assert page.total == 30
    assert {n.status for n in page.items} == {NumberStatus.ASSIGNED, NumberStatus.AVAILABLE}


# --- assistants -----------------------------------------------------------------------


async def test_assistants_list_on_the_wire(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=3, assistants=60)
    status, body = await get(h, "/v1/assistants")
    assert status == 200
    assert len(body["data"]) == 50
    assert body["meta"] == {"total": 60, "limit": 50, "offset": 0}
    _, rest = await get(h, "/v1/assistants", offset=50, limit=50)
    assert len(rest["data"]) == 10
    records = body["data"] + rest["data"]
    assert all(UUID.fullmatch(a["id"]) and ISO.fullmatch(a["created_at"]) for a in records)
    assert sorted(a["name"] for a in records) == sorted(w.name for w in h.world.assistants)


async def test_get_assistant_on_the_wire(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=3, assistants=3)
    _, listing = await get(h, "/v1/assistants")
    first = listing["data"][0]
    status, body = await get(h, f"/v1/assistants/{first['id']}")
    assert status == 200
    assert body == {"data": first}


@pytest.mark.parametrize("bad_id", ["550e8400-e29b-41d4-a716-446655440000", "not-a-uuid", "12345"])
@pytest.mark.parametrize("suffix", ["", "/phone-number"])
async def test_unknown_assistant_is_documented_404(
    make_harness: HarnessFactory, bad_id: str, suffix: str
) -> None:
    h = flireo(make_harness)
    status, body = await get(h, f"/v1/assistants/{bad_id}{suffix}")
    assert status == 404
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"]
    assert body["error"]["details"] == {}


async def test_adapter_assistants_match_the_world(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=3, assistants=13)
    page = await h.adapter.list_assistants(PageRequest(limit=5, offset=10))
    assert page.total == 13
    assert len(page.items) == 3
    everything = await collect_all(h.adapter.list_assistants, Pagination.OFFSET, 5)
    assert sorted(a.name for a in everything) == sorted(w.name for w in h.world.assistants)
    ids = await assistant_ids(h)
    for a in everything:
        assert a.provider is FLIREO
        assert UUID.fullmatch(a.native_id)
        # Flireo does not document an active flag or numbers on the assistant itself.
        assert a.active is None
        assert a.phone_number_ids is None
        assert a.phone_numbers is None
    w = h.world.assistants[7]
    one = await h.adapter.get_assistant(ids[7])
    assert one is not None
    assert one.native_id == ids[7]
    assert one.name == w.name


async def test_adapter_get_assistant_unknown_and_malformed(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness)
    assert await h.adapter.get_assistant("550e8400-e29b-41d4-a716-446655440000") is None
    before = h.client.requests.total()
    for bad in ("not-a-uuid", "../phone-numbers", "550e8400-e29b-41d4-a716-446655440000\n"):
        assert await h.adapter.get_assistant(bad) is None
    assert h.client.requests.total() == before  # a non-UUID cannot exist: no call made


async def test_adapter_get_assistant_errors_are_not_none(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness)
    ids = await assistant_ids(h)
    await h.inject(status=500, times=1, path_prefix="/v1/assistants/")
    with pytest.raises(UpstreamHTTPError) as err:
        await h.adapter.get_assistant(ids[0])
    assert err.value.status == 500
    await h.inject(wrong_shape=True, times=1, path_prefix="/v1/assistants/")
    with pytest.raises(UpstreamBadResponse):  # another id: the 500 above is remembered briefly
        await h.adapter.get_assistant(ids[1])


async def test_adapter_assistant_list_bad_shape(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness)
    await h.inject(wrong_shape=True, times=1, path_prefix="/v1/assistants")
    with pytest.raises(UpstreamBadResponse) as err:
        await h.adapter.list_assistants(PageRequest(limit=10))
    assert err.value.provider is FLIREO


# --- the assistant's phone-number sub-resource -------------------------------------------


async def test_linked_phone_number_follows_the_number_side(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=12, assistants=6)
    ids = await assistant_ids(h)
    _, listing = await get(h, "/v1/phone-numbers", limit=100)
    by_id = {r["id"]: r for r in listing["data"]}
    seen_empty = seen_multi = False
    for w in h.world.assistants:
        status, body = await get(h, f"/v1/assistants/{ids[w.index]}/phone-number")
        assert status == 200
        data = body["data"]
        assert data["assistant_id"] == ids[w.index]
        assert data["assistant_name"] == w.name
        held = h.world.numbers_of(w.index)
        if not held:
            seen_empty = True
            assert data["phone_number"] is None
            continue
        seen_multi |= len(held) > 1
        linked = data["phone_number"]
        assert set(linked) == {"id", "number", "type", "locality", "origin"}
        assert linked["number"] == held[0].e164  # the first of the world's numbers
        rec = by_id[linked["id"]]
        assert rec["linked_assistant"]["id"] == ids[w.index]
        assert linked["type"] == rec["number_type"]
        assert linked["locality"] == rec["locality"]
    assert seen_empty
    assert seen_multi  # the world exercised both cases


async def test_link_keeps_both_sides_in_step(make_harness: HarnessFactory) -> None:
    h = flireo(make_harness, numbers=8, assistants=4)
    ids = await assistant_ids(h)
    data = h.app.state.data
    free = next(r for r in data.numbers if r["available"])
    target = next(i for i in ids.values() if data.linked_number(i) is None)
    data.link(free["id"], target)
    _, body = await get(h, f"/v1/assistants/{target}/phone-number")
    assert body["data"]["phone_number"]["id"] == free["id"]
    page = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=100))
    linked = next(n for n in page.items if n.native_id == free["id"])
    assert linked.status is NumberStatus.ASSIGNED
    assert linked.assistant is not None
    assert linked.assistant.native_id == target
    data.link(free["id"], None)
    _, body = await get(h, f"/v1/assistants/{target}/phone-number")
    assert body["data"]["phone_number"] is None
