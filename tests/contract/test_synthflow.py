"""Synthflow-specific contract: the documented wire details of ``/v2/numbers`` and
``/v2/assistants`` on the emulator, and the adapter's reading of them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gateway.demo import demo_provider_settings
from gateway.emulators import EmulatorConfig
from gateway.errors import UpstreamHTTPError, UpstreamUnauthorized
from gateway.model import NumberStatus, ProviderName
from gateway.providers.base import NumberFilter, PageRequest, collect_all
from gateway.providers.synthflow import Adapter, SynthflowSettings

from .conftest import Harness, HarnessFactory

SF = ProviderName.SYNTHFLOW
WS = EmulatorConfig().workspace
AUTH = {"Authorization": "Bearer demo-key"}
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
SLUG = re.compile(r"^[1-9]\d{1,14}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SID = re.compile(r"^PN[0-9a-f]{32}$")
DETAIL_KEYS = {"status", "description", "request_id", "category"}


def harness(make: HarnessFactory, **world: int) -> Harness:
    return make(SF, **world)


async def numbers_raw(h: Harness, **params: str | int) -> tuple[int, dict[str, Any]]:
    query = {"workspace": WS, **params}
    resp = await h.http.get("/v2/numbers", params=query, headers=AUTH)
    return resp.status_code, resp.json()


def world_available(h: Harness, available: bool) -> list[str]:
    return [w.e164 for w in h.world.numbers if (w.assistant is None) is available]


def assert_detail(body: dict[str, Any]) -> None:
    assert set(body) == {"detail"}
    assert set(body["detail"]) == DETAIL_KEYS
    assert all(isinstance(v, str) and v for v in body["detail"].values())


# --- auth -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/v2/numbers", "/v2/numbers/12025550100", "/v2/assistants/", "/v2/assistants/x"]
)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Bearer DEMO-KEY"},
        {"Authorization": "demo-key"},
    ],
)
async def test_missing_or_wrong_key_is_401_with_detail_body(
    make_harness: HarnessFactory, path: str, headers: dict[str, str]
) -> None:
    h = harness(make_harness)
    resp = await h.http.get(path, params={"workspace": WS}, headers=headers)
    assert resp.status_code == 401
    assert_detail(resp.json())


async def test_adapter_with_wrong_key_raises_unauthorized(make_harness: HarnessFactory) -> None:
    h = make_harness(SF, api_key="nope")
    assert Adapter.auth.headers(demo_provider_settings(SF)) == AUTH
    for call in (
        h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=5)),
        h.adapter.list_assistants(PageRequest(limit=5)),
        h.adapter.get_assistant("00000000-0000-0000-0000-000000000000"),
    ):
        with pytest.raises(UpstreamUnauthorized) as err:
            await call
        assert err.value.status == 401
        assert err.value.provider is SF


# --- numbers: query parameters, pagination, validation ---------------------------------


async def test_numbers_defaults_and_documented_shape(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=45, assistants=3)
    status, body = await numbers_raw(h)
    assert status == 200
    assert body["status"] == "ok"
    assert body["response"]["pagination"] == {"total_records": 45, "limit": 20, "offset": 0}
    items = body["response"]["phone_numbers"]
    assert [i["number"] for i in items] == [w.e164 for w in h.world.numbers[:20]]
    for item, w in zip(items, h.world.numbers, strict=False):
        assert set(item) == {"number", "sid", "is_available"}
        assert E164.match(item["number"])
        assert item["sid"] is None or SID.match(item["sid"])
        assert item["is_available"] is (w.assistant is None)
    assert any(i["sid"] is None for i in items)
    assert any(i["sid"] for i in items)


async def test_numbers_limit_and_offset_slice_world_order(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=30, assistants=3)
    status, body = await numbers_raw(h, limit=7, offset=4)
    assert status == 200
    assert body["response"]["pagination"] == {"total_records": 30, "limit": 7, "offset": 4}
    got = [i["number"] for i in body["response"]["phone_numbers"]]
    assert got == [w.e164 for w in h.world.numbers[4:11]]


@pytest.mark.parametrize("available", [True, False])
async def test_is_available_filters_and_totals_refer_to_filtered_list(
    make_harness: HarnessFactory, available: bool
) -> None:
    h = harness(make_harness, numbers=40, assistants=4)
    want = world_available(h, available)
    status, body = await numbers_raw(h, is_available=str(available).lower(), limit=100)
    assert status == 200
    assert body["response"]["pagination"]["total_records"] == len(want)
    items = body["response"]["phone_numbers"]
    assert [i["number"] for i in items] == want
    assert {i["is_available"] for i in items} == {available}


@pytest.mark.parametrize(
    "params",
    [
        {"workspace": None},
        {"workspace": "1710107690998x000000000000000000"},
        {"limit": 0},
        {"limit": 101},
        {"limit": "ten"},
        {"offset": -1},
        {"offset": "x"},
        {"is_available": "maybe"},
    ],
)
async def test_numbers_bad_request_is_400_empty_object(
    make_harness: HarnessFactory, params: dict[str, str | int | None]
) -> None:
    h = harness(make_harness)
    query = {k: v for k, v in {"workspace": WS, **params}.items() if v is not None}
    resp = await h.http.get("/v2/numbers", params=query, headers=AUTH)
    assert resp.status_code == 400
    assert resp.json() == {}


async def test_numbers_pagination_edges(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=23, assistants=2)
    _, last = await numbers_raw(h, limit=5, offset=22)
    assert [i["number"] for i in last["response"]["phone_numbers"]] == [h.world.numbers[22].e164]
    _, past = await numbers_raw(h, limit=5, offset=23)
    assert past["response"]["phone_numbers"] == []
    assert past["response"]["pagination"] == {"total_records": 23, "limit": 5, "offset": 23}
    empty = harness(make_harness, numbers=0, assistants=0)
    _, none = await numbers_raw(empty)
    assert none["response"]["phone_numbers"] == []
    assert none["response"]["pagination"]["total_records"] == 0


async def test_adapter_pages_numbers_to_the_end(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=23, assistants=2)
    h.client.requests.clear()
    numbers = await collect_all(
        lambda r: h.adapter.list_phone_numbers(NumberFilter(), r), Adapter.info.pagination, 5
    )
    assert [n.number for n in numbers] == [w.e164 for w in h.world.numbers]
    assert h.client.requests["/v2/numbers"] == 5  # 5+5+5+5+3, stops on total_records


async def test_adapter_sends_limit_offset_and_filter(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=40, assistants=4)
    for status, available in ((NumberStatus.AVAILABLE, True), (NumberStatus.ASSIGNED, False)):
        want = world_available(h, available)
        page = await h.adapter.list_phone_numbers(
            NumberFilter(status=status), PageRequest(limit=4, offset=2)
        )
        assert page.total == len(want)
        assert [n.number for n in page.items] == want[2:6]
        assert {n.status for n in page.items} == {status}
    big = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=500))
    assert len(big.items) == 40  # clamped to the page size the emulator accepts


async def test_adapter_without_the_workspace_gets_400(make_harness: HarnessFactory) -> None:
    h = harness(make_harness)
    other = demo_provider_settings(SF).model_copy(update={"workspace": "someone-else"})
    assert isinstance(other, SynthflowSettings)
    adapter = Adapter(other, h.client)
    with pytest.raises(UpstreamHTTPError) as err:
        await adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=5))
    assert err.value.status == 400


async def test_number_records_and_id_formats(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=12, assistants=2)
    page = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=100))
    for n, w in zip(page.items, h.world.numbers, strict=True):
        assert n.provider is SF
        assert n.number == w.e164
        assert E164.match(n.number)
        assert SLUG.match(n.native_id)
        assert n.native_id == w.e164[1:]
        assert n.assistant is None  # linked through the assistants (links_by_number)
        assert n.carrier is None
        assert n.display_name is None
        assert n.created_at is None
        assert n.capabilities.voice is None
        assert n.capabilities.sms is None
    assert Adapter.info.links_by_number
    assert Adapter.info.native_number_filters == {"status"}


# --- one number -------------------------------------------------------------------------


async def test_get_number_by_slug(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=15, assistants=3)
    data = h.app.state.data
    for w in h.world.numbers:
        resp = await h.http.get(f"/v2/numbers/{w.e164[1:]}", params={"workspace": WS}, headers=AUTH)
        body = resp.json()
        assert resp.status_code == 200
        assert "status" not in body
        assert "response" not in body
        assert body["slug"] == w.e164[1:]
        assert body["phone_number"] == w.e164
        assert body["is_available"] is (w.assistant is None)
        assert body["workspace_id"] == WS
        assert body["is_sms_capable"] is w.sms
        holders = [] if w.assistant is None else [data.assistants[w.assistant]["model_id"]]
        assert body["assistants"] == holders
        assert all(UUID.match(a) for a in holders)


async def test_get_number_errors(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=3, assistants=1)
    slug = h.world.numbers[0].e164[1:]
    missing_ws = await h.http.get(f"/v2/numbers/{slug}", headers=AUTH)
    assert missing_ws.status_code == 400
    assert missing_ws.json() == {}
    unknown = await h.http.get("/v2/numbers/15550000000", params={"workspace": WS}, headers=AUTH)
    assert unknown.status_code == 404
    assert_detail(unknown.json())


# --- assistants ---------------------------------------------------------------------------


async def test_assistants_list_shape_and_both_paths(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=10, assistants=25)
    slash = await h.http.get("/v2/assistants/", headers=AUTH)
    bare = await h.http.get("/v2/assistants", headers=AUTH)
    assert slash.status_code == bare.status_code == 200
    assert slash.json() == bare.json()
    body = slash.json()
    assert body["status"] == "ok"
    assert body["response"]["pagination"] == {"total_records": 25, "limit": 20, "offset": 0}
    items = body["response"]["assistants"]
    assert [a["name"] for a in items] == [w.name for w in h.world.assistants[:20]]
    for item in items:
        assert UUID.match(item["model_id"])
        assert item["type"] in {"inbound", "outbound"}
        assert item["phone_number"] == "" or E164.match(item["phone_number"])
    page = await h.http.get("/v2/assistants/", params={"limit": 10, "offset": 20}, headers=AUTH)
    assert [a["name"] for a in page.json()["response"]["assistants"]] == [
        w.name for w in h.world.assistants[20:]
    ]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -3}])
async def test_assistants_bad_paging_is_400(
    make_harness: HarnessFactory, params: dict[str, int]
) -> None:
    h = harness(make_harness)
    resp = await h.http.get("/v2/assistants/", params=params, headers=AUTH)
    assert resp.status_code == 400
    assert resp.json() == {}


async def test_adapter_pages_assistants_to_the_end(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=4, assistants=11)
    assistants = await collect_all(h.adapter.list_assistants, Adapter.info.assistant_pagination, 4)
    assert [a.name for a in assistants] == [w.name for w in h.world.assistants]
    assert all(UUID.match(a.native_id) and a.active is None for a in assistants)
    page = await h.adapter.list_assistants(PageRequest(limit=4, offset=11))
    assert page.items == []
    assert page.total == 11


async def test_get_assistant_and_unknown_404(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=20, assistants=3)
    model_id = h.app.state.data.assistants[1]["model_id"]
    resp = await h.http.get(f"/v2/assistants/{model_id}", headers=AUTH)
    body = resp.json()
    assert resp.status_code == 200
    assert body["status"] == "ok"
    (item,) = body["response"]["assistants"]
    assert item["model_id"] == model_id
    assert "attached_phone_numbers" in item
    assert "actions" not in item
    actions = await h.http.get(
        f"/v2/assistants/{model_id}", params={"include_actions": "true"}, headers=AUTH
    )
    assert actions.json()["response"]["assistants"][0]["actions"] == []
    for unknown in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        missing = await h.http.get(f"/v2/assistants/{unknown}", headers=AUTH)
        assert missing.status_code == 404
        assert_detail(missing.json())
        assert await h.adapter.get_assistant(unknown) is None
    one = await h.adapter.get_assistant(model_id)
    assert one is not None
    assert one.name == h.world.assistants[1].name


async def test_get_assistant_other_errors_propagate(make_harness: HarnessFactory) -> None:
    h = harness(make_harness)
    await h.inject(status=500, times=1, path_prefix="/v2/assistants/")
    with pytest.raises(UpstreamHTTPError) as err:
        await h.adapter.get_assistant(h.app.state.data.assistants[0]["model_id"])
    assert err.value.status == 500


# --- links: numbers -> assistants through the assistants' numbers -----------------------


async def test_assistant_numbers_render_the_world_links(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=60, assistants=5)
    assistants = await collect_all(h.adapter.list_assistants, Adapter.info.assistant_pagination, 2)
    by_name = {a.name: a for a in assistants}
    owner: dict[str, str] = {}
    for w in h.world.assistants:
        a = by_name[w.name]
        held = [n.e164 for n in h.world.numbers_of(w.index)]
        assert list(a.phone_numbers or ()) == held
        assert list(a.phone_number_ids or ()) == [e[1:] for e in held]
        for e164 in held:
            assert e164 not in owner, "a number is linked to one agent only"
            owner[e164] = a.native_id
        again = await h.adapter.get_assistant(a.native_id)
        assert again == a
    numbers = await collect_all(
        lambda r: h.adapter.list_phone_numbers(NumberFilter(), r), Adapter.info.pagination, 100
    )
    for n in numbers:
        assert (n.status is NumberStatus.ASSIGNED) is (n.number in owner)


async def test_raw_agent_holds_inbound_number_then_attached(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=30, assistants=3)
    body = (await h.http.get("/v2/assistants/", headers=AUTH)).json()
    for item, w in zip(body["response"]["assistants"], h.world.assistants, strict=True):
        held = h.world.numbers_of(w.index)
        assert item["phone_number"] == (held[0].e164 if held else "")
        assert item["type"] == ("inbound" if held else "outbound")
        attached = item["attached_phone_numbers"]
        assert [x["number"] for x in attached] == [n.e164 for n in held[1:]]
        assert all(x["slug"] == x["number"][1:] for x in attached)


# --- scale ---------------------------------------------------------------------------------


async def test_fifty_thousand_numbers_page(make_harness: HarnessFactory) -> None:
    h = harness(make_harness, numbers=50_000, assistants=5)
    want = world_available(h, False)
    for offset in (0, len(want) - 100, len(want) // 2):
        page = await h.adapter.list_phone_numbers(
            NumberFilter(status=NumberStatus.ASSIGNED), PageRequest(limit=100, offset=offset)
        )
        assert page.total == len(want)
        assert [n.number for n in page.items] == want[offset : offset + 100]
