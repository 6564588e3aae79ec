"""Teli linking contract: POST /v1/voice/phone-numbers/{phone_number}/update-agent on the
emulator's wire (documented body and errors), and the adapter on it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import pytest

from gateway.emulators import EmulatorConfig
from gateway.emulators.teli import TeliState
from gateway.errors import UpstreamHTTPError
from gateway.model import Assistant, AssistantRef, NumberStatus, ProviderName
from gateway.providers.base import LinkError, LinkErrorCode

if TYPE_CHECKING:
    from .conftest import Harness, HarnessFactory

TELI = ProviderName.TELI
CONFIG = EmulatorConfig()
KEY = {"X-API-Key": CONFIG.api_key}
ORG = {"organization_id": CONFIG.organization_id}


def error(message: str) -> dict[str, Any]:
    return {"error": message, "success": False, "powered_by": "Teli"}


def state(h: Harness) -> TeliState:
    s: TeliState = h.app.state.data
    return s


def update_path(e164: str) -> str:
    return f"/v1/voice/phone-numbers/{quote(e164, safe='')}/update-agent"


async def update(h: Harness, e164: str, body: Any, **params: str) -> httpx.Response:
    return await h.http.post(update_path(e164), json=body, params=params, headers=KEY)


def voice(h: Harness, *, free: bool) -> dict[str, Any]:
    return next(
        r
        for r in state(h).voice_numbers
        if (r["inbound_agent_id"] is None and r["outbound_agent_id"] is None) is free
    )


def writes(h: Harness) -> int:
    return sum(c for p, c in h.app.state.control.requests.items() if p.endswith("update-agent"))


# --- the wire ---------------------------------------------------------------------------


async def test_update_agent_sets_and_clears(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=20, assistants=3)
    record = voice(h, free=True)
    agent_id = state(h).agents[1]["agent_id"]
    resp = await update(h, record["phone_number"], {"inbound_agent_id": agent_id}, **ORG)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "success": True,
        "phone_number": record["phone_number"],
        "message": "Phone number updated successfully",
        "inbound_agent_id": agent_id,
        "outbound_agent_id": None,
        "nickname": record["nickname"],
        "powered_by": "Teli",
    }
    listed = await h.http.get(
        "/v1/voice/phone-numbers",
        params={**ORG, "user_id": CONFIG.user_id, "is_admin": "true"},
        headers=KEY,
    )
    item = next(r for r in listed.json()["phone_numbers"] if r["id"] == record["id"])
    assert item["inbound_agent_id"] == agent_id
    # "" or null clears; the nickname is documented on the same call.
    resp = await update(h, record["phone_number"], {"inbound_agent_id": "", "nickname": "Desk"})
    assert resp.status_code == 200
    assert resp.json()["inbound_agent_id"] is None
    assert resp.json()["nickname"] == "Desk"
    resp = await update(h, record["phone_number"], {"outbound_agent_id": agent_id})
    assert resp.json()["outbound_agent_id"] == agent_id
    resp = await update(h, record["phone_number"], {"outbound_agent_id": None})
    assert resp.json()["outbound_agent_id"] is None


async def test_update_agent_documented_errors(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=20, assistants=3)
    e164 = voice(h, free=True)["phone_number"]
    for bad in ({}, None, {"other": 1}):
        resp = await update(h, e164, bad)
        assert resp.status_code == 400
        assert resp.json() == error("inbound_agent_id, outbound_agent_id or nickname required")
    resp = await update(h, "+19999999999", {"inbound_agent_id": ""})
    assert resp.status_code == 404
    assert resp.json() == error("Phone number not found")
    resp = await update(h, e164, {"inbound_agent_id": "1x1"})
    assert resp.status_code == 404
    assert resp.json() == error("Agent not found")
    sms = state(h).sms_numbers[0]["phone_number"]
    resp = await update(h, sms, {"inbound_agent_id": state(h).agents[0]["agent_id"]})
    assert resp.status_code == 400
    assert resp.json() == error("Phone number is not a voice number")
    resp = await update(h, e164, {"inbound_agent_id": ""}, organization_id="org_other")
    assert resp.status_code == 403
    resp = await h.http.post(update_path(e164), json={"inbound_agent_id": ""})
    assert resp.status_code == 401
    assert resp.json() == {"error": "Invalid API key", "powered_by": "Teli"}


# --- the adapter ------------------------------------------------------------------------


async def test_adapter_links_moves_and_unlinks(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=20, assistants=3)
    held = voice(h, free=False)
    previous = held["inbound_agent_id"]
    target_id = next(a["agent_id"] for a in state(h).agents if a["agent_id"] != previous)
    target = await h.assistant(target_id)
    result = await h.linking().link_phone_number(
        await h.number(held["phone_number"], by="number"), target
    )
    assert (result.assistant_id, result.previous_assistant_id) == (target_id, previous)
    moved = await h.number(held["phone_number"], by="number")
    assert moved.status is NumberStatus.ASSIGNED
    assert moved.assistant == AssistantRef(TELI, target_id)
    assert held["inbound_agent_id"] == target_id

    result = await h.linking().unlink_phone_number(moved)
    assert result.assistant_id == target_id
    assert held["inbound_agent_id"] is None
    assert held["outbound_agent_id"] is None
    assert (await h.number(held["phone_number"], by="number")).status is NumberStatus.AVAILABLE
    assert writes(h) == 2


async def test_adapter_refusals(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=20, assistants=3)
    sms = await h.number(state(h).sms_numbers[0]["phone_number"], by="number")
    free = await h.number(voice(h, free=True)["phone_number"], by="number")
    held = await h.number(voice(h, free=False)["phone_number"], by="number")
    mine = await h.assistant(held.assistant.native_id)  # type: ignore[union-attr]
    cases = [
        (h.linking().link_phone_number(sms, mine), LinkErrorCode.NOT_LINKABLE),
        (h.linking().unlink_phone_number(sms), LinkErrorCode.NOT_LINKABLE),
        (h.linking().link_phone_number(held, mine), LinkErrorCode.ALREADY_LINKED),
        (h.linking().unlink_phone_number(free), LinkErrorCode.NOT_LINKED),
    ]
    for call, code in cases:
        with pytest.raises(LinkError) as err:
            await call
        assert err.value.code is code
    assert writes(h) == 0


async def test_adapter_maps_teli_errors(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=20, assistants=3)
    free = await h.number(voice(h, free=True)["phone_number"], by="number")
    target = await h.assistant(state(h).agents[0]["agent_id"])
    ghost = Assistant(TELI, "1700000000000x000000000000000000", "Gone")
    cases: list[tuple[Any, LinkErrorCode, str | None]] = [
        (
            h.linking().link_phone_number(free, ghost),
            LinkErrorCode.ASSISTANT_NOT_FOUND,
            "assistantId",
        ),
        (
            h.linking().link_phone_number(replace(free, number="+19999999999"), target),
            LinkErrorCode.PHONE_NUMBER_NOT_FOUND,
            "phoneNumberId",
        ),
        (
            h.linking().unlink_phone_number(
                replace(free, number="+19999999999", assistant=AssistantRef(TELI, "x"))
            ),
            LinkErrorCode.PHONE_NUMBER_NOT_FOUND,
            "phoneNumberId",
        ),
    ]
    for call, code, field in cases:
        with pytest.raises(LinkError) as err:
            await call
        assert (err.value.code, err.value.field) == (code, field), err.value.message
    assert writes(h) == len(cases)


async def test_adapter_reports_a_failed_write_once(make_harness: HarnessFactory) -> None:
    h = make_harness(TELI, numbers=20, assistants=3)
    record = voice(h, free=True)
    free = await h.number(record["phone_number"], by="number")
    target = await h.assistant(state(h).agents[0]["agent_id"])
    await h.inject(
        status=500, path_prefix=f"/v1/voice/phone-numbers/{record['phone_number']}", times=1
    )
    with pytest.raises(UpstreamHTTPError) as err:
        await h.linking().link_phone_number(free, target)
    assert err.value.status == 500
    assert writes(h) == 1
    assert record["inbound_agent_id"] is None
