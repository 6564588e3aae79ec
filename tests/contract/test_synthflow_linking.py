"""Synthflow linking contract: the agent's inbound ``phone_number`` (PUT /v2/assistants/{id})
and outbound detaching (DELETE …/phone_numbers/{slug}) on the emulator, and the adapter."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gateway.emulators import EmulatorConfig
from gateway.emulators.synthflow import SynthflowState
from gateway.errors import UpstreamHTTPError
from gateway.model import Assistant, NumberStatus, ProviderName
from gateway.providers.base import LinkError, LinkErrorCode

if TYPE_CHECKING:
    from .conftest import Harness, HarnessFactory

SF = ProviderName.SYNTHFLOW
WS = EmulatorConfig().workspace
AUTH = {"Authorization": "Bearer demo-key"}
DETAIL_KEYS = {"status", "description", "request_id", "category"}
MISSING = "00000000-0000-4000-8000-000000000000"


def state(h: Harness) -> SynthflowState:
    s: SynthflowState = h.app.state.data
    return s


def agent_path(model_id: str) -> str:
    return f"/v2/assistants/{model_id}"


async def put(h: Harness, model_id: str, body: Any) -> httpx.Response:
    return await h.http.put(agent_path(model_id), json=body, headers=AUTH)


async def detail(h: Harness, e164: str) -> dict[str, Any]:
    resp = await h.http.get(f"/v2/numbers/{e164[1:]}", params={"workspace": WS}, headers=AUTH)
    assert resp.status_code == 200
    body: dict[str, Any] = resp.json()
    return body


def assert_detail(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"detail"}
    assert set(body["detail"]) == DETAIL_KEYS
    description: str = body["detail"]["description"]
    return description


def free_e164(h: Harness) -> str:
    return str(next(r["number"] for r in state(h).numbers if r["is_available"]))


def inbound_agent(h: Harness) -> dict[str, Any]:
    return next(a for a in state(h).assistants if a["phone_number"])


def attached_agent(h: Harness) -> dict[str, Any]:
    return next(a for a in state(h).assistants if a["attached_phone_numbers"])


def idle_agent(h: Harness) -> dict[str, Any]:
    return next(
        a for a in state(h).assistants if not a["phone_number"] and not a["attached_phone_numbers"]
    )


def log_writes(h: Harness) -> None:
    """Wrap the emulator app so every non-GET request is logged by method."""
    log: list[str] = []
    h.app.state.write_log = log
    inner = h.app.middleware_stack or h.app.build_middleware_stack()

    async def logged(scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] != "GET" and "__emulator__" not in path:
            log.append(f"{scope['method']} {path}")
        await inner(scope, receive, send)

    h.app.middleware_stack = logged


# --- the wire ---------------------------------------------------------------------------


async def test_put_sets_and_clears_the_inbound_number(make_harness: HarnessFactory) -> None:
    h = make_harness(SF, numbers=24, assistants=10)
    target = inbound_agent(h)
    old, new = target["phone_number"], free_e164(h)
    resp = await put(h, target["model_id"], {"phone_number": new})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "status": "ok",
        "response": {"model_id": target["model_id"]},
        "details": {"phone": new, "voice": target["agent"]["voice_id"]},
    }
    assert (await detail(h, new))["assistants"] == [target["model_id"]]
    assert (await detail(h, new))["is_available"] is False
    assert (await detail(h, old))["assistants"] == []
    assert (await detail(h, old))["is_available"] is True
    listed = await h.http.get(
        "/v2/numbers", params={"workspace": WS, "is_available": "true", "limit": 100}, headers=AUTH
    )
    free = {r["number"] for r in listed.json()["response"]["phone_numbers"]}
    assert old in free
    assert new not in free
    got = (await h.http.get(agent_path(target["model_id"]), headers=AUTH)).json()
    assert got["response"]["assistants"][0]["phone_number"] == new

    resp = await put(h, target["model_id"], {"phone_number": ""})
    assert resp.status_code == 200
    assert resp.json()["details"]["phone"] is None
    assert target["phone_number"] == ""
    assert (await detail(h, new))["assistants"] == []


async def test_put_documented_errors(make_harness: HarnessFactory) -> None:
    h = make_harness(SF, numbers=24, assistants=10)
    holder, other = inbound_agent(h), idle_agent(h)
    assert "not found" in assert_detail(await put(h, MISSING, {"phone_number": ""}), 404)
    bad: object
    for bad in (None, [], {"phone_number": 5}, {"name": 3}):
        assert_detail(await put(h, other["model_id"], bad), 400)
    assert_detail(await put(h, other["model_id"], {"phone_number": "+19999999999"}), 400)
    assert_detail(await put(h, other["model_id"], {"phone_number": free_e164(h)[1:]}), 400)
    taken = assert_detail(
        await put(h, other["model_id"], {"phone_number": holder["phone_number"]}), 400
    )
    assert "another agent" in taken
    assert other["phone_number"] == ""
    resp = await h.http.put(agent_path(other["model_id"]), json={"phone_number": ""})
    assert_detail(resp, 401)


async def test_delete_detaches_an_outbound_number(make_harness: HarnessFactory) -> None:
    h = make_harness(SF, numbers=24, assistants=10)
    holder = attached_agent(h)
    extra = holder["attached_phone_numbers"][0]
    path = f"{agent_path(holder['model_id'])}/phone_numbers/{extra['slug']}"
    resp = await h.http.delete(path, headers=AUTH)
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}
    assert extra not in holder["attached_phone_numbers"]
    assert (await detail(h, extra["number"]))["assistants"] == []
    assert "not attached" in assert_detail(await h.http.delete(path, headers=AUTH), 400)
    missing = f"{agent_path(MISSING)}/phone_numbers/{extra['slug']}"
    assert_detail(await h.http.delete(missing, headers=AUTH), 404)


# --- the adapter ------------------------------------------------------------------------


async def test_adapter_links_inbound_and_releases(make_harness: HarnessFactory) -> None:
    h = make_harness(SF, numbers=24, assistants=10)
    target = inbound_agent(h)
    old, new = target["phone_number"], free_e164(h)
    free = await h.number(new, by="number")
    result = await h.linking().link_phone_number(free, await h.assistant(target["model_id"]))
    assert result.assistant_id == target["model_id"]
    assert result.released_phone_number_ids == (old[1:],)
    assert (await h.number(new, by="number")).status is NumberStatus.ASSIGNED
    assert (await h.number(old, by="number")).status is NumberStatus.AVAILABLE
    assert (await h.assistant(target["model_id"])).phone_numbers[0] == new  # type: ignore[index]

    result = await h.linking().unlink_phone_number(await h.number(new, by="number"))
    assert result.assistant_id == target["model_id"]
    assert (await h.number(new, by="number")).status is NumberStatus.AVAILABLE
    assert target["phone_number"] == ""


async def test_adapter_unlinks_an_outbound_number(make_harness: HarnessFactory) -> None:
    h = make_harness(SF, numbers=24, assistants=10)
    log_writes(h)
    holder = attached_agent(h)
    extra = holder["attached_phone_numbers"][0]
    result = await h.linking().unlink_phone_number(await h.number(extra["number"], by="number"))
    assert result.assistant_id == holder["model_id"]
    assert h.app.state.write_log == [
        f"DELETE {agent_path(holder['model_id'])}/phone_numbers/{extra['slug']}"
    ]
    assert (await h.number(extra["number"], by="number")).status is NumberStatus.AVAILABLE


async def test_adapter_refusals(make_harness: HarnessFactory) -> None:
    h = make_harness(SF, numbers=24, assistants=10)
    log_writes(h)
    inbound_holder, outbound_holder, idle = inbound_agent(h), attached_agent(h), idle_agent(h)
    inbound = await h.number(inbound_holder["phone_number"], by="number")
    outbound = await h.number(outbound_holder["attached_phone_numbers"][0]["number"], by="number")
    free = await h.number(free_e164(h), by="number")
    idle_agent_record = await h.assistant(idle["model_id"])
    cases = [
        (h.linking().link_phone_number(inbound, idle_agent_record), LinkErrorCode.LINKED_ELSEWHERE),
        (
            h.linking().link_phone_number(outbound, idle_agent_record),
            LinkErrorCode.LINKED_ELSEWHERE,
        ),
        (
            h.linking().link_phone_number(inbound, await h.assistant(inbound_holder["model_id"])),
            LinkErrorCode.ALREADY_LINKED,
        ),
        (h.linking().unlink_phone_number(free), LinkErrorCode.NOT_LINKED),
        (
            h.linking().link_phone_number(free, Assistant(SF, MISSING, "Gone")),
            LinkErrorCode.ASSISTANT_NOT_FOUND,
        ),
        (
            h.linking().link_phone_number(
                replace(free, native_id="19999999999"), idle_agent_record
            ),
            LinkErrorCode.PHONE_NUMBER_NOT_FOUND,
        ),
    ]
    for call, code in cases:
        with pytest.raises(LinkError) as err:
            await call
        assert err.value.code is code, err.value.message
    assert h.app.state.write_log == []


async def test_adapter_maps_a_lost_race(make_harness: HarnessFactory) -> None:
    """Another agent took the number inbound between the adapter's read and its write."""
    h = make_harness(SF, numbers=24, assistants=10)
    idle, rival = idle_agent(h), inbound_agent(h)
    new = free_e164(h)
    free = await h.number(new, by="number")
    inner = h.app.middleware_stack or h.app.build_middleware_stack()

    async def race(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "PUT":
            rival["phone_number"] = new
            state(h).recompute(new)
        await inner(scope, receive, send)

    h.app.middleware_stack = race
    with pytest.raises(LinkError) as err:
        await h.linking().link_phone_number(free, await h.assistant(idle["model_id"]))
    assert err.value.code is LinkErrorCode.LINKED_ELSEWHERE


async def test_adapter_reports_a_failed_write_once(make_harness: HarnessFactory) -> None:
    h = make_harness(SF, numbers=24, assistants=10)
    log_writes(h)
    holder = attached_agent(h)
    extra = holder["attached_phone_numbers"][0]
    path = f"{agent_path(holder['model_id'])}/phone_numbers/{extra['slug']}"
    await h.inject(status=503, path_prefix=path, times=1)
    with pytest.raises(UpstreamHTTPError) as err:
        await h.linking().unlink_phone_number(await h.number(extra["number"], by="number"))
    assert err.value.status == 503
    assert h.app.state.write_log == [f"DELETE {path}"]
    assert extra in holder["attached_phone_numbers"]
