"""Burki linking contract: assign/unassign on the emulator's wire, and the adapter on it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import httpx
import pytest

from gateway.demo import demo_provider_settings
from gateway.emulators.burki import BurkiState
from gateway.errors import UpstreamHTTPError
from gateway.model import Assistant, AssistantRef, NumberStatus, PhoneNumber, ProviderName
from gateway.providers.base import LinkError, LinkErrorCode, NumberFilter, PageRequest
from gateway.providers.burki import Adapter
from gateway.resilience import ResilienceSettings
from gateway.upstream import UpstreamClient

if TYPE_CHECKING:
    from .conftest import Harness, HarnessFactory

BURKI = ProviderName.BURKI
AUTH = {"Authorization": "Bearer demo-key"}
ASSISTANTS = "/api/v1/assistants"


def state(h: Harness) -> BurkiState:
    data: BurkiState = h.app.state.data
    return data


def link_path(assistant_id: int | str, number_id: int | str, verb: str = "assign") -> str:
    return f"{ASSISTANTS}/{assistant_id}/phone-numbers/{number_id}/{verb}"


async def pick(h: Harness, *, free: bool) -> PhoneNumber:
    return next(n for n in await h.all_numbers() if (n.assistant is None) is free)


def writes(h: Harness) -> int:
    return sum(c for p, c in h.app.state.control.requests.items() if p.endswith("assign"))


# --- the wire ---------------------------------------------------------------------------


async def test_assign_and_unassign_bodies(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=12, assistants=3)
    free = next(r for r in state(h).numbers if r["assistant"] is None and r["is_active"])
    resp = await h.http.post(link_path(2, free["id"]), headers=AUTH)
    assert resp.status_code == 200
    name = state(h).assistant(2)["name"]  # type: ignore[index]
    assert resp.json() == {
        "success": True,
        "message": f"Phone number successfully assigned to assistant '{name}'",
        "data": None,
    }
    listed = (await h.http.get(f"{ASSISTANTS}/organization/phone-numbers", headers=AUTH)).json()
    record = next(r for r in listed if r["id"] == free["id"])
    assert record["assistant"] == {
        "id": 2,
        "name": name,
        "is_active": record["assistant"]["is_active"],
    }
    available = (
        await h.http.get(f"{ASSISTANTS}/organization/phone-numbers/available", headers=AUTH)
    ).json()
    assert free["id"] not in {r["id"] for r in available}

    resp = await h.http.post(link_path(2, free["id"], "unassign"), headers=AUTH)
    assert resp.status_code == 200
    assert resp.json()["message"] == f"Phone number successfully unassigned from assistant '{name}'"
    assert state(h).numbers[state(h).number_pos[free["id"]]]["assistant"] is None


async def test_documented_errors(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=6, assistants=2)
    resp = await h.http.post(link_path(99, 1), headers=AUTH)
    assert resp.status_code == 404
    assert resp.json() == {"detail": "Assistant with ID 99 not found in your organization"}
    # A missing number is a service error the endpoint wraps into a 500.
    for verb in ("assign", "unassign"):
        resp = await h.http.post(link_path(1, 999, verb), headers=AUTH)
        assert resp.status_code == 500
        assert resp.json()["detail"].startswith(f"Failed to {verb} phone number: ")
    resp = await h.http.post(link_path("x", "y"), headers=AUTH)
    assert resp.status_code == 422
    assert [e["loc"] for e in resp.json()["detail"]] == [
        ["path", "assistant_id"],
        ["path", "phone_number_id"],
    ]
    resp = await h.http.post(link_path(1, 1))
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == "Bearer"
    assert (await h.http.get(link_path(1, 1), headers=AUTH)).status_code == 405


async def test_the_backend_overwrites_a_link(make_harness: HarnessFactory) -> None:
    """What the source does (the docs say the number must be free): hence the adapter check."""
    h = make_harness(BURKI, numbers=12, assistants=3)
    held = next(r for r in state(h).numbers if r["assistant"] is not None)
    other = 1 if held["assistant"]["id"] != 1 else 2
    assert (await h.http.post(link_path(other, held["id"]), headers=AUTH)).status_code == 200
    assert held["assistant"]["id"] == other


# --- the adapter ------------------------------------------------------------------------


async def test_adapter_links_and_unlinks(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=12, assistants=3)
    adapter = h.linking()
    free = await pick(h, free=True)
    target = (await h.all_assistants(limit=100))[1]
    result = await adapter.link_phone_number(free, target)
    assert (result.phone_number_id, result.assistant_id) == (free.native_id, target.native_id)
    assert result.previous_assistant_id is None
    assert result.released_phone_number_ids == ()
    linked = await h.number(free.native_id)
    assert linked.status is NumberStatus.ASSIGNED
    assert linked.assistant == AssistantRef(BURKI, target.native_id, target.name, target.active)

    result = await adapter.unlink_phone_number(linked)
    assert result.assistant_id == target.native_id
    unlinked = await h.number(free.native_id)
    assert unlinked.status is NumberStatus.AVAILABLE
    assert unlinked.assistant is None
    assert writes(h) == 2


async def test_adapter_refuses_without_writing(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=12, assistants=3)
    adapter = h.linking()
    held = await pick(h, free=False)
    free = await pick(h, free=True)
    mine = next(
        a
        for a in await h.all_assistants(limit=100)
        if a.native_id == held.assistant.native_id  # type: ignore[union-attr]
    )
    other = next(a for a in await h.all_assistants(limit=100) if a.native_id != mine.native_id)
    cases = [
        (adapter.link_phone_number(held, other), LinkErrorCode.LINKED_ELSEWHERE),
        (adapter.link_phone_number(held, mine), LinkErrorCode.ALREADY_LINKED),
        (adapter.unlink_phone_number(free), LinkErrorCode.NOT_LINKED),
        (
            adapter.link_phone_number(free, replace(other, provider=ProviderName.BUTTER)),
            LinkErrorCode.CROSS_PROVIDER,
        ),
    ]
    for call, code in cases:
        with pytest.raises(LinkError) as err:
            await call
        assert err.value.code is code
    assert writes(h) == 0


async def test_adapter_maps_burki_errors(make_harness: HarnessFactory) -> None:
    h = make_harness(BURKI, numbers=12, assistants=3)
    adapter = h.linking()
    free = await pick(h, free=True)
    gone = Assistant(BURKI, "99", "Deleted")
    with pytest.raises(LinkError) as err:
        await adapter.link_phone_number(free, gone)
    assert (err.value.code, err.value.field) == (LinkErrorCode.ASSISTANT_NOT_FOUND, "assistantId")
    # A number that vanished: Burki answers 500, which names no cause: an upstream error.
    target = (await h.all_assistants(limit=100))[0]
    with pytest.raises(UpstreamHTTPError) as http:
        await adapter.link_phone_number(replace(free, native_id="999"), target)
    assert http.value.status == 500
    assert h.app.state.control.requests[link_path(target.native_id, 999)] == 1


async def test_adapter_never_repeats_a_write(make_harness: HarnessFactory) -> None:
    """With the retrying policy the runtime uses: reads are retried, writes never."""
    h = make_harness(BURKI, numbers=12, assistants=3)
    settings = demo_provider_settings(BURKI)
    client = UpstreamClient(
        BURKI,
        settings,
        Adapter.auth.headers(settings),
        transport=httpx.ASGITransport(app=h.app),
        policy=ResilienceSettings(backoff_base_seconds=0, backoff_max_seconds=0),
    )
    adapter = Adapter(settings, client)
    try:
        await h.inject(status=503, path_prefix=ASSISTANTS + "/organization", times=1)
        page = await adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=100))
        free = next(n for n in page.items if n.assistant is None)  # the read got past the 503
        target = (await h.all_assistants(limit=100))[0]
        path = link_path(target.native_id, free.native_id)
        await h.inject(status=503, path_prefix=path, times=1)
        with pytest.raises(UpstreamHTTPError) as err:
            await adapter.link_phone_number(free, target)
        assert err.value.status == 503
        assert h.app.state.control.requests[path] == 1
        assert (await h.number(free.native_id)).assistant is None
    finally:
        await client.aclose()
