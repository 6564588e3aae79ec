"""Teli contract: the emulator serves the documented wire format, the adapter reads it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gateway.demo import demo_provider_settings
from gateway.emulators import EmulatorConfig
from gateway.emulators.teli import pretty, teammate
from gateway.errors import UpstreamBadResponse, UpstreamHTTPError, UpstreamUnauthorized
from gateway.model import AssistantRef, Capabilities, NumberStatus, ProviderName
from gateway.providers.base import NumberFilter, PageRequest, Pagination, collect_all
from gateway.providers.teli import Adapter, TeliSettings
from gateway.upstream import UpstreamClient

from .conftest import Harness, HarnessFactory

TELI = ProviderName.TELI
CONFIG = EmulatorConfig()
KEY = {"X-API-Key": CONFIG.api_key}
ORG = {"organization_id": CONFIG.organization_id}
ADMIN = {**ORG, "user_id": CONFIG.user_id, "is_admin": "true"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
BUBBLE = re.compile(r"^\d{13}x\d{18}$")
E164 = re.compile(r"^\+1\d{10}$")
PRETTY = re.compile(r"^\+1 \d{3}-\d{3}-\d{4}$")
UNAUTHORIZED = {"error": "Invalid API key", "powered_by": "Teli"}
LIST_PATHS = ["/v1/sms/phone-numbers", "/v1/sms/phone-numbers/available", "/v1/agents"]
ALL_PATHS = [*LIST_PATHS, "/v1/voice/phone-numbers"]


def error(message: str) -> dict[str, Any]:
    return {"error": message, "success": False, "powered_by": "Teli"}


async def get(h: Harness, path: str, params: dict[str, str], key: bool = True) -> httpx.Response:
    return await h.http.get(path, params=params, headers=KEY if key else {})


async def body(h: Harness, path: str, **params: str) -> dict[str, Any]:
    response = await get(h, path, params)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    assert payload["success"] is True
    assert payload["powered_by"] == "Teli"
    assert payload["count"] == len(payload.get("phone_numbers", payload.get("agents", [])))
    return payload


def agent_ids(h: Harness) -> list[str]:
    """Native agent ids by world assistant index."""
    return [a["agent_id"] for a in h.app.state.data.agents]


def adapter_with(h: Harness, **settings: Any) -> Adapter:
    base = demo_provider_settings(TELI, CONFIG).model_copy(update=settings)
    assert isinstance(base, TeliSettings)
    return Adapter(base, h.client)


async def numbers(adapter: Any, status: NumberStatus | None = None) -> list[Any]:
    return await collect_all(
        lambda req: adapter.list_phone_numbers(NumberFilter(status=status), req),
        Pagination.NONE,
        Adapter.info.max_page_size,
    )


class Recorder(httpx.AsyncBaseTransport):
    """Records every request URL the adapter sends, then forwards it to the emulator."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.urls: list[httpx.URL] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return await self.inner.handle_async_request(request)


def recording_adapter(h: Harness) -> tuple[Adapter, Recorder, UpstreamClient]:
    settings = demo_provider_settings(TELI, CONFIG)
    assert isinstance(settings, TeliSettings)
    recorder = Recorder(httpx.ASGITransport(app=h.app))
    client = UpstreamClient(TELI, settings, Adapter.auth.headers(settings), transport=recorder)
    return Adapter(settings, client), recorder, client


def params_of(recorder: Recorder, path: str) -> dict[str, str]:
    matching = [u for u in recorder.urls if u.path == path]
    assert len(matching) == 1, recorder.urls
    return dict(matching[0].params)


# --- auth -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*ALL_PATHS, "/v1/agents/1704067200000x000000000000000001"])
async def test_missing_or_wrong_key_is_documented_401(
    make_harness: HarnessFactory, path: str
) -> None:
    h = make_harness(TELI)
    missing = await get(h, path, ADMIN, key=False)
    wrong = await h.http.get(path, params=ADMIN, headers={"X-API-Key": "nope"})
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED
    # Authorization: Bearer is not how Teli authenticates.
    bearer = await h.http.get(path, params=ADMIN, headers={"Authorization": "Bearer demo-key"})
    assert bearer.status_code == 401


async def test_adapter_with_wrong_key_raises_unauthorized(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, api_key="wrong-key")
    await h.assert_reads_unauthorized("wrong-key", "1704067200000x000000000000000001")


def test_auth_headers_carry_only_the_key() -> None:
    settings = demo_provider_settings(TELI, CONFIG)
    assert Adapter.auth.headers(settings) == {"X-API-Key": "demo-key"}
    assert Adapter.auth.headers(settings.model_copy(update={"api_key": None})) == {}


# --- organization and user validation ----------------------------------------------------


@pytest.mark.parametrize("path", ALL_PATHS)
async def test_missing_organization_is_documented_400(
    make_harness: HarnessFactory, path: str
) -> None:
    h = make_harness(TELI)
    response = await get(h, path, {"user_id": CONFIG.user_id, "is_admin": "true"})
    assert response.status_code == 400
    assert response.json() == error("organization_id required")
    empty = await get(h, path, {"organization_id": "", "user_id": CONFIG.user_id})
    assert empty.json() == error("organization_id required")


@pytest.mark.parametrize("path", [*ALL_PATHS, "/v1/agents/1704067200000x000000000000000001"])
async def test_foreign_organization_is_403(make_harness: HarnessFactory, path: str) -> None:
    h = make_harness(TELI)
    response = await get(h, path, {**ADMIN, "organization_id": "org_other"})
    assert response.status_code == 403
    assert response.json() == error("Access denied to this organization")


async def test_adapter_with_foreign_organization_raises_unauthorized(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(TELI)
    adapter = adapter_with(h, organization_id="org_other")
    with pytest.raises(UpstreamUnauthorized) as err:
        await adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=10))
    assert err.value.status == 403
    assert err.value.provider is TELI
    with pytest.raises(UpstreamUnauthorized):
        await adapter.list_assistants(PageRequest(limit=10))


async def test_voice_numbers_require_user_id(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI)
    for params in (ORG, {**ORG, "is_admin": "true"}, {**ORG, "user_id": ""}):
        response = await get(h, "/v1/voice/phone-numbers", params)
        assert response.status_code == 400
        assert response.json() == error("user_id required")


async def test_without_user_id_only_sms_numbers_are_listed(make_harness: HarnessFactory) -> None:
    """No user_id configured: the SMS list alone, and the voice list is never called."""
    h = make_harness(TELI, numbers=14)
    page = await adapter_with(h, user_id=None).list_phone_numbers(NumberFilter(), PageRequest(10))
    assert [n.number for n in page.items] == [
        r["phone_number"] for r in h.app.state.data.sms_numbers
    ]
    assert page.total == 7
    assert page.partial == ()
    assert h.app.state.control.requests["/v1/voice/phone-numbers"] == 0


async def test_agents_require_user_id_unless_admin(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, assistants=6)
    response = await get(h, "/v1/agents", ORG)
    assert response.status_code == 400
    assert response.json() == error("user_id required")
    admin = await body(h, "/v1/agents", **ORG, is_admin="true")
    assert admin["count"] == 6


# --- SMS numbers --------------------------------------------------------------------------


async def test_sms_numbers_render_the_odd_world_numbers(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=31, assistants=4)
    payload = await body(h, "/v1/sms/phone-numbers", **ORG)
    assert list(payload) == ["success", "phone_numbers", "count", "powered_by"]
    world = [w for w in h.world.numbers if w.index % 2]
    assert [r["phone_number"] for r in payload["phone_numbers"]] == [w.e164 for w in world]
    for rec, w in zip(payload["phone_numbers"], world, strict=True):
        assert set(rec) == {
            "id",
            "phone_number",
            "pretty_phone_number",
            "nickname",
            "is_available",
            "assigned_to",
            "assigned_at",
            "created_at",
        }
        assert UUID.match(rec["id"])
        assert E164.match(rec["phone_number"])
        assert PRETTY.match(rec["pretty_phone_number"])
        assert rec["pretty_phone_number"].replace(" ", "").replace("-", "") == w.e164
        assert rec["nickname"] == w.label
        assert rec["is_available"] is (w.assistant is None)
        if w.assistant is None:
            assert rec["assigned_to"] is None
            assert rec["assigned_at"] is None
        else:
            assert rec["assigned_to"] == teammate(w.assistant)
            assert BUBBLE.match(rec["assigned_to"]["user_id"])
            assert rec["assigned_at"] > rec["created_at"]
        assert datetime.fromisoformat(rec["created_at"]) == w.created_at


async def test_include_assigned_and_available_endpoint(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=40, assistants=3)
    everything = await body(h, "/v1/sms/phone-numbers", **ORG)
    explicit = await body(h, "/v1/sms/phone-numbers", **ORG, include_assigned="true")
    assert explicit == everything
    free = await body(h, "/v1/sms/phone-numbers", **ORG, include_assigned="false")
    pool = await body(h, "/v1/sms/phone-numbers/available", **ORG)
    assert free == pool
    expected = [r for r in everything["phone_numbers"] if r["is_available"]]
    assert free["phone_numbers"] == expected
    assert 0 < free["count"] < everything["count"]
    assert all(r["assigned_to"] is None for r in pool["phone_numbers"])


# --- voice numbers ------------------------------------------------------------------------


async def test_voice_numbers_render_the_even_world_numbers(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=30, assistants=4)
    payload = await body(h, "/v1/voice/phone-numbers", **ADMIN)
    assert list(payload) == ["success", "count", "phone_numbers", "powered_by"]
    world = [w for w in h.world.numbers if w.index % 2 == 0]
    assert [r["phone_number"] for r in payload["phone_numbers"]] == [w.e164 for w in world]
    ids = agent_ids(h)
    for rec, w in zip(payload["phone_numbers"], world, strict=True):
        assert UUID.match(rec["id"])
        assert rec["pretty_phone_number"] == pretty(w.e164)
        assert rec["area_code"] == w.e164[2:5]
        assert rec["phone_type"] == "voice"
        assert rec["provider"] == "teli_voice"
        assert rec["organization_id"] == CONFIG.organization_id
        assert BUBBLE.match(rec["user_id"])
        assert BUBBLE.match(rec["tenant_id"])
        assert rec["location"] == w.locality
        assert rec["nickname"] == w.label
        assert rec["stripe_subscription_id"].startswith("sub_")
        assert isinstance(rec["zapier"], bool)
        assert rec["accessible_by"] == []
        want = ids[w.assistant] if w.assistant is not None else None
        assert rec["inbound_agent_id"] == want
        assert rec["outbound_agent_id"] in (None, want)


async def test_voice_is_admin_and_user_scope(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=30, assistants=2)
    admin = (await body(h, "/v1/voice/phone-numbers", **ADMIN))["phone_numbers"]
    mine = (await body(h, "/v1/voice/phone-numbers", **ORG, user_id=CONFIG.user_id))[
        "phone_numbers"
    ]
    default_admin = await body(
        h, "/v1/voice/phone-numbers", **ORG, user_id=CONFIG.user_id, is_admin="false"
    )
    assert default_admin["phone_numbers"] == mine
    assert mine == [r for r in admin if r["user_id"] == CONFIG.user_id]
    other = teammate(0)["user_id"]
    theirs = (await body(h, "/v1/voice/phone-numbers", **ORG, user_id=other))["phone_numbers"]
    assert theirs
    assert theirs == [r for r in admin if r["user_id"] == other]
    assert len(mine) + len(theirs) == len(admin) == 15


async def test_voice_phone_type(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=10, assistants=2)
    default = await body(h, "/v1/voice/phone-numbers", **ADMIN)
    voice = await body(h, "/v1/voice/phone-numbers", **ADMIN, phone_type="voice")
    sms = await body(h, "/v1/voice/phone-numbers", **ADMIN, phone_type="sms")
    assert voice == default
    assert voice["count"] == 5
    assert sms["count"] == 0
    assert sms["phone_numbers"] == []


# --- agents -------------------------------------------------------------------------------


async def test_agents_render_the_world_assistants(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=2, assistants=7)
    payload = await body(h, "/v1/agents", **ADMIN)
    assert list(payload) == ["success", "count", "agents", "powered_by"]
    agents = payload["agents"]
    assert [a["agent_name"] for a in agents] == [w.name for w in h.world.assistants]
    for a, w in zip(agents, h.world.assistants, strict=True):
        assert BUBBLE.match(a["agent_id"])
        assert a["unique_id"] == a["agent_id"]
        assert a["agent_id"].startswith(str(int(w.created_at.timestamp() * 1000)))
        assert UUID.match(a["id"])
        assert re.fullmatch(r"agent_[0-9a-f]{24}", a["voice_agent_id"])
        assert a["agent_type"] == "voice"
        assert a["organization_id"] == CONFIG.organization_id
        assert a["agent_status"] == ("active" if w.active else "inactive")
        assert "phone_number" not in a
        assert "phone_numbers" not in a
    assert len({a["agent_id"] for a in agents}) == 7


async def test_agents_user_scope_and_agent_type(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=2, assistants=7)
    every = (await body(h, "/v1/agents", **ADMIN))["agents"]
    mine = (await body(h, "/v1/agents", **ORG, user_id=CONFIG.user_id))["agents"]
    assert mine
    assert mine == [a for a in every if a["created_by_user_id"] == CONFIG.user_id]
    assert len(mine) < len(every)
    voice = await body(h, "/v1/agents", **ADMIN, agent_type="voice")
    sms = await body(h, "/v1/agents", **ADMIN, agent_type="sms")
    assert voice["agents"] == every
    assert sms == {
        "success": True,
        "count": 0,
        "agents": [],
        "powered_by": "Teli",
    }


async def test_get_agent_and_documented_404(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=2, assistants=3)
    first = (await body(h, "/v1/agents", **ADMIN))["agents"][0]
    for params in ({}, ORG):
        one = await get(h, f"/v1/agents/{first['agent_id']}", params)
        assert one.status_code == 200
        assert one.json() == {"success": True, "agent": first, "powered_by": "Teli"}
    missing = await get(h, "/v1/agents/1704067200000x123456789012345678", ORG)
    assert missing.status_code == 404
    assert missing.json() == {"error": "Agent not found", "success": False}


# --- adapter ------------------------------------------------------------------------------


async def test_adapter_numbers_map_both_pools(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=37, assistants=5)
    got = await numbers(h.adapter)
    sms_world = [w for w in h.world.numbers if w.index % 2]
    voice_world = [w for w in h.world.numbers if w.index % 2 == 0]
    # SMS numbers first, then voice numbers, each in upstream order.
    assert [n.number for n in got] == [w.e164 for w in sms_world + voice_world]
    ids = agent_ids(h)
    for n, w in zip(got, sms_world + voice_world, strict=True):
        assert UUID.match(n.native_id)
        assert n.provider is TELI
        assert n.display_name == w.label
        assert n.created_at == w.created_at
        assert n.number_type is None
        assert n.updated_at is None
        status = NumberStatus.ASSIGNED if w.assistant is not None else NumberStatus.AVAILABLE
        assert n.status is status
        if w.index % 2:  # SMS: assigned to users, never to an assistant
            assert n.assistant is None
            assert n.carrier is None
            assert n.locality is None
            assert n.capabilities == Capabilities(sms=True)
        else:
            assert n.capabilities == Capabilities(voice=True)
            assert n.carrier == "teli_voice"
            assert n.locality == w.locality
            want = AssistantRef(TELI, ids[w.assistant]) if w.assistant is not None else None
            assert n.assistant == want


async def test_adapter_status_filter_is_exact_and_sent_upstream(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(TELI, numbers=40, assistants=3)
    adapter, recorder, client = recording_adapter(h)
    try:
        free = await numbers(adapter, NumberStatus.AVAILABLE)
        assert params_of(recorder, "/v1/sms/phone-numbers") == {
            **ORG,
            "include_assigned": "false",
        }
        assert params_of(recorder, "/v1/voice/phone-numbers") == {
            **ADMIN,
            "phone_type": "voice",
        }
        recorder.urls.clear()
        taken = await numbers(adapter, NumberStatus.ASSIGNED)
        assert params_of(recorder, "/v1/sms/phone-numbers") == ORG
        recorder.urls.clear()
        everything = await numbers(adapter)
        assert params_of(recorder, "/v1/sms/phone-numbers") == ORG
    finally:
        await client.aclose()
    assert {n.status for n in free} == {NumberStatus.AVAILABLE}
    assert {n.status for n in taken} == {NumberStatus.ASSIGNED}
    assert sorted(n.number for n in free + taken) == sorted(n.number for n in everything)
    want_free = sorted(w.e164 for w in h.world.numbers if w.assistant is None)
    assert sorted(n.number for n in free) == want_free


async def test_adapter_agents_and_get_one(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=2, assistants=9)
    adapter, recorder, client = recording_adapter(h)
    try:
        page = await adapter.list_assistants(PageRequest(limit=2))
        assert params_of(recorder, "/v1/agents") == ADMIN
        one = await adapter.get_assistant(page.items[4].native_id)
    finally:
        await client.aclose()
    assert page.total == 9
    assert [a.name for a in page.items] == [w.name for w in h.world.assistants]
    for a, w in zip(page.items, h.world.assistants, strict=True):
        assert BUBBLE.match(a.native_id)
        assert a.active is w.active
        assert a.phone_number_ids is None
        assert a.phone_numbers is None
    assert one == page.items[4]


async def test_adapter_get_unknown_or_odd_agent_is_none(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=2, assistants=2)
    for native_id in ("1704067200000x999999999999999999", "a/../b", "x?organization_id=1", ""):
        assert await h.adapter.get_assistant(native_id) is None


async def test_adapter_reads_inbound_then_outbound_and_blank_ids(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(TELI, numbers=6, assistants=2)
    voice = h.app.state.data.voice_numbers
    ids = agent_ids(h)
    voice[0].update(inbound_agent_id=None, outbound_agent_id=ids[1])
    voice[1].update(inbound_agent_id="", outbound_agent_id="")
    voice[2].update(inbound_agent_id=ids[0], outbound_agent_id=ids[1], created_at={})
    got = {n.number: n for n in await numbers(h.adapter)}
    first, second, third = (got[r["phone_number"]] for r in voice)
    assert first.status is NumberStatus.ASSIGNED
    assert first.assistant == AssistantRef(TELI, ids[1])
    assert second.status is NumberStatus.AVAILABLE
    assert second.assistant is None
    assert third.assistant == AssistantRef(TELI, ids[0])
    assert third.created_at is None


async def test_adapter_sees_mutated_sms_assignment(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=6, assistants=2)
    rec = h.app.state.data.sms_numbers[0]
    rec.update(is_available=False, assigned_to=teammate(1), assigned_at="2024-02-01T00:00:00Z")
    taken = await numbers(h.adapter, NumberStatus.ASSIGNED)
    match = [n for n in taken if n.native_id == rec["id"]]
    assert len(match) == 1
    assert match[0].assistant is None


# --- pagination (none) and shape errors ---------------------------------------------------


async def test_one_call_per_pool_whatever_the_page(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=25, assistants=3)
    for request in (PageRequest(limit=1), PageRequest(limit=5, offset=20), PageRequest(100)):
        page = await h.adapter.list_phone_numbers(NumberFilter(), request)
        assert len(page.items) == page.total == 25
    assert h.client.requests == {"/v1/sms/phone-numbers": 3, "/v1/voice/phone-numbers": 3}
    assert len(await collect_all(h.adapter.list_assistants, Pagination.NONE, 1)) == 3
    assert h.client.requests["/v1/agents"] == 1


@pytest.mark.parametrize(("n_numbers", "n_sms", "n_voice"), [(0, 0, 0), (1, 0, 1), (2, 1, 1)])
async def test_edge_worlds(
    make_harness: HarnessFactory, n_numbers: int, n_sms: int, n_voice: int
) -> None:
    h = make_harness(TELI, numbers=n_numbers, assistants=0)
    assert (await body(h, "/v1/sms/phone-numbers", **ORG))["count"] == n_sms
    assert (await body(h, "/v1/voice/phone-numbers", **ADMIN))["count"] == n_voice
    assert (await body(h, "/v1/agents", **ADMIN))["agents"] == []
    got = await numbers(h.adapter)
    assert len(got) == n_numbers
    assert all(n.status is NumberStatus.AVAILABLE for n in got)
    assert (await h.adapter.list_assistants(PageRequest(10))).items == []


async def test_wrong_shape_of_the_agents_is_bad_response(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI)
    await h.inject(wrong_shape=True, path_prefix="/v1/agents")
    with pytest.raises(UpstreamBadResponse) as err:
        await h.adapter.list_assistants(PageRequest(10))
    assert err.value.provider is TELI
    assert "teli" in str(err.value)


@pytest.mark.parametrize(
    ("failing", "fault"),
    [
        ("/v1/sms/phone-numbers", {"wrong_shape": True}),
        ("/v1/voice/phone-numbers", {"wrong_shape": True}),
        ("/v1/voice/phone-numbers", {"status": 404}),
        ("/v1/sms/phone-numbers", {"status": 500}),
    ],
)
async def test_one_failed_number_endpoint_keeps_the_other(
    make_harness: HarnessFactory, failing: str, fault: dict[str, Any]
) -> None:
    """Each endpoint's numbers stand on their own; the failed one is a partial error."""
    h = make_harness(TELI, numbers=14)
    await h.inject(path_prefix=failing, **fault)
    page = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(10))
    kept = "sms" if "voice" in failing else "voice"
    assert [n.number for n in page.items] == [
        r["phone_number"] for r in getattr(h.app.state.data, f"{kept}_numbers")
    ]
    assert page.total == 7
    [error] = page.partial
    assert error.provider is TELI
    assert f"GET {failing}" in error.message
    assert isinstance(error, UpstreamBadResponse if "wrong_shape" in fault else UpstreamHTTPError)


async def test_both_number_endpoints_failing_is_an_error(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI)
    await h.inject(status=500)
    with pytest.raises(UpstreamHTTPError) as err:
        await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(10))
    assert err.value.provider is TELI
    assert "GET /v1/sms/phone-numbers" in err.value.message


async def test_get_agent_wrong_shape_is_bad_response(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, assistants=2)
    agent_id = agent_ids(h)[0]
    await h.inject(wrong_shape=True, path_prefix="/v1/agents/")
    with pytest.raises(UpstreamBadResponse):
        await h.adapter.get_assistant(agent_id)


async def test_fifty_thousand_numbers(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=50_000, assistants=20)
    got = await numbers(h.adapter)
    assert len(got) == 50_000
    assert len({n.native_id for n in got}) == 50_000
    assert got[0].created_at is not None
    assert got[0].created_at.tzinfo == UTC
