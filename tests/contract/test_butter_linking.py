"""Butter AI linking contract: assign/unassign-phone-number on the emulator's wire, and the
adapter on it, with every documented error."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gateway.demo import demo_provider_settings
from gateway.emulators.butter import ButterState
from gateway.errors import UpstreamHTTPError
from gateway.model import Assistant, AssistantRef, NumberStatus, ProviderName
from gateway.providers.base import LinkError, LinkErrorCode
from gateway.providers.butter import Adapter, ButterSettings
from gateway.resilience import ResilienceSettings
from gateway.upstream import UpstreamClient

if TYPE_CHECKING:
    from .conftest import Harness, HarnessFactory

BUTTER = ProviderName.BUTTER
AUTH = {"X-API-Key": "demo-key", "X-Organization-Id": "org_demo"}


def state(h: Harness) -> ButterState:
    data: ButterState = h.app.state.data
    return data


def assign_path(agent_id: str) -> str:
    return f"/api/agents/{agent_id}/assign-phone-number"


def unassign_path(agent_id: str, number_id: str) -> str:
    return f"/api/agents/{agent_id}/unassign-phone-number/{number_id}"


async def assign(h: Harness, agent_id: str, body: Any) -> httpx.Response:
    return await h.http.post(assign_path(agent_id), json=body, headers=AUTH)


async def unassign(h: Harness, agent_id: str, number_id: str) -> httpx.Response:
    return await h.http.post(unassign_path(agent_id, number_id), headers=AUTH)


def assert_error(resp: httpx.Response, status: int) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["success"] is False
    assert isinstance(body["message"], str)
    assert body["message"]


def free_record(h: Harness, *, integrated: bool = True) -> dict[str, Any]:
    return next(
        r
        for r in state(h).numbers
        if r["status"] == "free"
        and (r["phone_number_id"] in state(h).no_integration) is not integrated
    )


def held_record(h: Harness) -> dict[str, Any]:
    return next(r for r in state(h).numbers if r["status"] == "assigned")


def writes(h: Harness) -> int:
    return sum(c for p, c in h.app.state.control.requests.items() if "assign-phone" in p)


# --- the wire ---------------------------------------------------------------------------


async def test_assign_and_unassign_bodies(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=20, assistants=3)
    free = free_record(h)
    target = state(h).agents[1]
    before = list(target["assigned_phone_number_ids"])
    resp = await assign(h, target["agent_id"], {"phone_number_id": free["phone_number_id"]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["success"] is True
    assert body["message"] == "Phone number assigned successfully"
    assert set(body["data"]) == {
        "agent_id",
        "agent_name",
        "assigned_phone_number_ids",
        "updated_at",
    }
    assert body["data"]["agent_id"] == target["agent_id"]
    assert body["data"]["assigned_phone_number_ids"] == [*before, free["phone_number_id"]]
    assert free["status"] == "assigned"
    assert free["assigned_agent_id"] == target["agent_id"]
    listed = await h.http.get("/api/phone-numbers", params={"status": "free"}, headers=AUTH)
    assert free["phone_number_id"] not in {r["phone_number_id"] for r in listed.json()["data"]}

    resp = await unassign(h, target["agent_id"], free["phone_number_id"])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["message"] == "Phone number unassigned successfully"
    assert body["data"]["assigned_phone_number_ids"] == before
    assert free["status"] == "free"
    assert free["assigned_agent_id"] is None


async def test_assign_documented_errors(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=20, assistants=3)
    free, held = free_record(h), held_record(h)
    holder = held["assigned_agent_id"]
    other = next(a["agent_id"] for a in state(h).agents if a["agent_id"] != holder)
    assert_error(
        await assign(h, "agent_000000000000", {"phone_number_id": free["phone_number_id"]}), 404
    )
    assert_error(await assign(h, other, {"phone_number_id": "phon_000000000000"}), 404)
    foreign = sorted(state(h).foreign)[0]
    assert_error(await assign(h, other, {"phone_number_id": foreign}), 403)
    assert_error(await assign(h, other, {"phone_number_id": held["phone_number_id"]}), 409)
    assert_error(await assign(h, holder, {"phone_number_id": held["phone_number_id"]}), 409)
    for bad in ({}, {"phone_number_id": "nope"}, None, ["phon_0123456789ab"]):
        assert_error(await assign(h, other, bad), 400)
    unintegrated = next(iter(state(h).no_integration))
    state(h).set_agent(unintegrated, None)
    resp = await assign(h, other, {"phone_number_id": unintegrated})
    assert_error(resp, 400)
    assert "integration" in resp.json()["message"]
    assert_error(await h.http.post(assign_path(other), json={}, headers={}), 401)


async def test_unassign_documented_errors(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=20, assistants=3)
    held = held_record(h)
    holder = held["assigned_agent_id"]
    other = next(a["agent_id"] for a in state(h).agents if a["agent_id"] != holder)
    assert_error(await unassign(h, "agent_000000000000", held["phone_number_id"]), 404)
    assert_error(await unassign(h, other, held["phone_number_id"]), 400)
    assert_error(await unassign(h, holder, sorted(state(h).foreign)[0]), 403)
    assert held["assigned_agent_id"] == holder


# --- the adapter ------------------------------------------------------------------------


async def test_adapter_links_and_unlinks(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=20, assistants=3)
    free = await h.number(free_record(h)["phone_number_id"])
    target = await h.assistant(state(h).agents[2]["agent_id"])
    result = await h.linking().link_phone_number(free, target)
    assert (result.phone_number_id, result.assistant_id) == (free.native_id, target.native_id)
    linked = await h.number(free.native_id)
    assert linked.status is NumberStatus.ASSIGNED
    assert linked.assistant == AssistantRef(BUTTER, target.native_id)
    assert free.native_id in (await h.assistant(target.native_id)).phone_number_ids  # type: ignore[operator]

    result = await h.linking().unlink_phone_number(linked)
    assert result.assistant_id == target.native_id
    assert (await h.number(free.native_id)).status is NumberStatus.AVAILABLE
    assert free.native_id not in (await h.assistant(target.native_id)).phone_number_ids  # type: ignore[operator]
    assert writes(h) == 2


async def test_adapter_refuses_before_writing(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=20, assistants=3)
    held = await h.number(held_record(h)["phone_number_id"])
    free = await h.number(free_record(h)["phone_number_id"])
    mine = await h.assistant(held.assistant.native_id)  # type: ignore[union-attr]
    other = await h.assistant(
        next(a["agent_id"] for a in state(h).agents if a["agent_id"] != mine.native_id)
    )
    for call, code in [
        (h.linking().link_phone_number(held, other), LinkErrorCode.LINKED_ELSEWHERE),
        (h.linking().link_phone_number(held, mine), LinkErrorCode.ALREADY_LINKED),
        (h.linking().unlink_phone_number(free), LinkErrorCode.NOT_LINKED),
    ]:
        with pytest.raises(LinkError) as err:
            await call
        assert err.value.code is code
    assert writes(h) == 0


async def test_adapter_maps_butter_errors(make_harness: HarnessFactory) -> None:
    """Records gone stale between the gateway's read and the write: Butter's own refusals."""
    h = make_harness(BUTTER, numbers=20, assistants=3)
    held = await h.number(held_record(h)["phone_number_id"])
    holder = held.assistant.native_id  # type: ignore[union-attr]
    other = await h.assistant(
        next(a["agent_id"] for a in state(h).agents if a["agent_id"] != holder)
    )
    stale_free = replace(held, status=NumberStatus.AVAILABLE, assistant=None)
    unintegrated = next(iter(state(h).no_integration))
    state(h).set_agent(unintegrated, None)
    no_integration = await h.number(unintegrated)
    free = await h.number(free_record(h)["phone_number_id"])
    ghost = Assistant(BUTTER, "agent_000000000000", "Gone")
    cases: list[tuple[Any, LinkErrorCode, str | None]] = [
        (
            h.linking().link_phone_number(stale_free, other),
            LinkErrorCode.LINKED_ELSEWHERE,
            "phoneNumberId",
        ),
        (
            h.linking().link_phone_number(no_integration, other),
            LinkErrorCode.NOT_LINKABLE,
            "phoneNumberId",
        ),
        (
            h.linking().link_phone_number(free, ghost),
            LinkErrorCode.ASSISTANT_NOT_FOUND,
            "assistantId",
        ),
        (
            h.linking().link_phone_number(replace(free, native_id="phon_000000000000"), other),
            LinkErrorCode.PHONE_NUMBER_NOT_FOUND,
            "phoneNumberId",
        ),
        (
            h.linking().link_phone_number(
                replace(free, native_id=sorted(state(h).foreign)[0]), other
            ),
            LinkErrorCode.FORBIDDEN,
            None,
        ),
        (
            h.linking().unlink_phone_number(
                replace(free, assistant=AssistantRef(BUTTER, other.native_id))
            ),
            LinkErrorCode.NOT_LINKED,
            "phoneNumberId",
        ),
        (
            h.linking().unlink_phone_number(
                replace(held, assistant=AssistantRef(BUTTER, ghost.native_id))
            ),
            LinkErrorCode.ASSISTANT_NOT_FOUND,
            None,
        ),
    ]
    for call, code, field in cases:
        with pytest.raises(LinkError) as err:
            await call
        assert (err.value.code, err.value.field) == (code, field), err.value.message
    # Every refusal came from one write, none was repeated.
    assert writes(h) == len(cases)


async def test_adapter_never_repeats_a_write(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, numbers=20, assistants=3)
    settings = demo_provider_settings(BUTTER)
    assert isinstance(settings, ButterSettings)
    client = UpstreamClient(
        BUTTER,
        settings,
        Adapter.auth.headers(settings),
        transport=httpx.ASGITransport(app=h.app),
        policy=ResilienceSettings(backoff_base_seconds=0, backoff_max_seconds=0),
    )
    retrying = Adapter(settings, client)
    try:
        free = await h.number(free_record(h)["phone_number_id"])
        target = await h.assistant(state(h).agents[0]["agent_id"])
        await h.inject(status=502, path_prefix=assign_path(target.native_id), times=2)
        with pytest.raises(UpstreamHTTPError) as err:
            await retrying.link_phone_number(free, target)
        assert err.value.status == 502
        assert h.app.state.control.requests[assign_path(target.native_id)] == 1
        assert (await h.number(free.native_id)).assistant is None
    finally:
        await client.aclose()
