"""Flireo linking contract: POST/DELETE /v1/assistants/{id}/phone-number on the emulator's
wire (documented bodies and error codes), and the adapter on it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gateway.emulators.flireo import FlireoData
from gateway.errors import UpstreamHTTPError
from gateway.model import Assistant, AssistantRef, NumberStatus, ProviderName
from gateway.providers.base import LinkError, LinkErrorCode

if TYPE_CHECKING:
    from .conftest import Harness, HarnessFactory

FLIREO = ProviderName.FLIREO
AUTH = {"Authorization": "Bearer demo-key"}
UNAUTHORIZED = {"error": "Unauthorized", "message": "Invalid or missing API key"}
MISSING = "00000000-0000-4000-8000-000000000000"


def data(h: Harness) -> FlireoData:
    d: FlireoData = h.app.state.data
    return d


def sub(assistant_id: str) -> str:
    return f"/v1/assistants/{assistant_id}/phone-number"


async def post(h: Harness, assistant_id: str, body: Any) -> httpx.Response:
    return await h.http.post(sub(assistant_id), json=body, headers=AUTH)


def assert_code(resp: httpx.Response, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code


def free_id(h: Harness) -> str:
    return str(next(n["id"] for n in data(h).numbers if n["linked_assistant"] is None))


def with_numbers(h: Harness, count: int) -> str:
    """An assistant holding exactly ``count`` numbers (the world may give several)."""
    return next(a for a, ids in data(h).linked.items() if len(ids) == count)


def writes(h: Harness) -> int:
    return int(h.app.state.control.requests.total())


# --- the wire ---------------------------------------------------------------------------


async def test_link_releases_and_replaces(make_harness: HarnessFactory) -> None:
    h = make_harness(FLIREO, numbers=24, assistants=4)
    target = with_numbers(h, 1)
    [previous] = data(h).linked[target]
    taken = next(
        n
        for n in data(h).numbers
        if n["linked_assistant"] and n["linked_assistant"]["id"] != target
    )
    loser = taken["linked_assistant"]["id"]
    resp = await post(h, target, {"phone_number_id": taken["id"]})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "message": "Phone number linked successfully",
        "data": {
            "assistant_id": target,
            "phone_number": {
                "id": taken["id"],
                "number": taken["phone_number"],
                "type": taken["number_type"],
                "locality": taken["locality"],
            },
            "previous_phone_number_id": previous,
            "released_assistants": 1,
        },
    }
    assert taken["id"] not in data(h).linked[loser]
    assert data(h).numbers_by_id[previous]["linked_assistant"] is None
    assert data(h).numbers_by_id[previous]["available"] is True
    shown = (await h.http.get(sub(target), headers=AUTH)).json()["data"]["phone_number"]
    assert shown["id"] == taken["id"]
    listed = (await h.http.get("/v1/phone-numbers", params={"limit": 100}, headers=AUTH)).json()
    record = next(n for n in listed["data"] if n["id"] == taken["id"])
    assert record["available"] is False
    assert record["linked_assistant"]["id"] == target


async def test_link_shows_the_new_number_first(make_harness: HarnessFactory) -> None:
    h = make_harness(FLIREO, numbers=24, assistants=3)
    target = next(a for a, ids in data(h).linked.items() if len(ids) >= 2)
    older = list(data(h).linked[target])
    free = free_id(h)
    body = (await post(h, target, {"phone_number_id": free})).json()["data"]
    assert body["previous_phone_number_id"] == older[0]
    assert body["released_assistants"] == 0
    assert data(h).linked[target] == [free, *older[1:]]  # only the shown one was replaced


async def test_delete_unlinks_the_shown_number(make_harness: HarnessFactory) -> None:
    h = make_harness(FLIREO, numbers=24, assistants=4)
    target = with_numbers(h, 1)
    [shown] = data(h).linked[target]
    resp = await h.http.delete(sub(target), headers=AUTH)
    assert resp.status_code == 200, resp.text
    record = data(h).numbers_by_id[shown]
    assert resp.json() == {
        "message": "Phone number unlinked successfully",
        "data": {
            "assistant_id": target,
            "unlinked_phone_number": {"id": shown, "number": record["phone_number"]},
        },
    }
    assert record["linked_assistant"] is None
    assert record["available"] is True
    assert_code(await h.http.delete(sub(target), headers=AUTH), 400, "no_phone_number")


async def test_documented_errors(make_harness: HarnessFactory) -> None:
    h = make_harness(FLIREO, numbers=12, assistants=3)
    target = data(h).assistants[0]["id"]
    free = free_id(h)
    assert_code(await post(h, MISSING, {"phone_number_id": free}), 404, "not_found")
    assert_code(await post(h, target, {"phone_number_id": MISSING}), 404, "not_found")
    for bad in ({}, {"phone_number_id": "x"}, None, [free]):
        assert_code(await post(h, target, bad), 400, "invalid_parameters")
    shared = data(h).shared_numbers[0]["id"]
    assert_code(await post(h, target, {"phone_number_id": shared}), 400, "already_in_use")
    assert (await post(h, target, {"phone_number_id": free})).status_code == 200
    assert_code(await post(h, target, {"phone_number_id": free}), 400, "already_linked")
    assert_code(await h.http.delete(sub(MISSING), headers=AUTH), 404, "not_found")
    for resp in (
        await h.http.post(sub(target), json={"phone_number_id": free}),
        await h.http.delete(sub(target), headers={"Authorization": "Bearer nope"}),
    ):
        assert resp.status_code == 401
        assert resp.json() == UNAUTHORIZED


# --- the adapter ------------------------------------------------------------------------


async def test_adapter_links_moves_and_unlinks(make_harness: HarnessFactory) -> None:
    h = make_harness(FLIREO, numbers=24, assistants=4)
    target_id = with_numbers(h, 1)
    [replaced] = data(h).linked[target_id]
    target = await h.assistant(target_id)
    taken = next(
        n for n in await h.all_numbers() if n.assistant and n.assistant.native_id != target_id
    )
    result = await h.linking().link_phone_number(taken, target)
    assert result.assistant_id == target_id
    assert result.previous_assistant_id == taken.assistant.native_id  # type: ignore[union-attr]
    assert result.released_phone_number_ids == (replaced,)
    moved = await h.number(taken.native_id)
    assert moved.status is NumberStatus.ASSIGNED
    assert moved.assistant == AssistantRef(FLIREO, target_id, target.name)
    assert (await h.number(replaced)).status is NumberStatus.AVAILABLE

    result = await h.linking().unlink_phone_number(moved)
    assert result.assistant_id == target_id
    assert (await h.number(taken.native_id)).assistant is None


async def test_adapter_refusals(make_harness: HarnessFactory) -> None:
    h = make_harness(FLIREO, numbers=24, assistants=3)
    holder = next(a for a, ids in data(h).linked.items() if len(ids) >= 2)
    first, second = data(h).linked[holder][:2]
    held, older = await h.number(first), await h.number(second)
    free = await h.number(free_id(h))
    mine = await h.assistant(holder)
    before = writes(h)
    with pytest.raises(LinkError) as err:
        await h.linking().link_phone_number(held, mine)
    assert err.value.code is LinkErrorCode.ALREADY_LINKED
    with pytest.raises(LinkError) as err:
        await h.linking().unlink_phone_number(free)
    assert err.value.code is LinkErrorCode.NOT_LINKED
    # An older second link: Flireo's singular sub-resource cannot address it.
    with pytest.raises(LinkError) as err:
        await h.linking().unlink_phone_number(older)
    assert (err.value.code, err.value.field) == (LinkErrorCode.NOT_SUPPORTED, "phoneNumberId")
    paths = [p for p, c in h.app.state.control.requests.items() if c]
    assert writes(h) - before == 1
    assert paths[-1] == sub(holder)  # one GET, no DELETE
    assert data(h).numbers_by_id[second]["linked_assistant"] is not None


async def test_adapter_maps_flireo_errors(make_harness: HarnessFactory) -> None:
    h = make_harness(FLIREO, numbers=24, assistants=3)
    free = await h.number(free_id(h))
    target = await h.assistant(data(h).assistants[0]["id"])
    ghost = Assistant(FLIREO, MISSING, "Gone")
    stale_linked = replace(free, status=NumberStatus.AVAILABLE)
    assert (await h.linking().link_phone_number(free, target)).assistant_id == target.native_id
    cases: list[tuple[Any, LinkErrorCode, str | None]] = [
        (
            h.linking().link_phone_number(stale_linked, target),
            LinkErrorCode.ALREADY_LINKED,
            "phoneNumberId",
        ),
        (
            h.linking().link_phone_number(free, ghost),
            LinkErrorCode.ASSISTANT_NOT_FOUND,
            "assistantId",
        ),
        (
            h.linking().link_phone_number(replace(free, native_id=MISSING), target),
            LinkErrorCode.PHONE_NUMBER_NOT_FOUND,
            "phoneNumberId",
        ),
        (
            h.linking().unlink_phone_number(replace(free, assistant=AssistantRef(FLIREO, MISSING))),
            LinkErrorCode.ASSISTANT_NOT_FOUND,
            None,
        ),
    ]
    for call, code, field in cases:
        with pytest.raises(LinkError) as err:
            await call
        assert (err.value.code, err.value.field) == (code, field), err.value.message


async def test_adapter_reports_a_failed_write_once(make_harness: HarnessFactory) -> None:
    h = make_harness(FLIREO, numbers=12, assistants=3)
    free = await h.number(free_id(h))
    target = await h.assistant(data(h).assistants[0]["id"])
    await h.inject(status=500, path_prefix=sub(target.native_id), times=1)
    with pytest.raises(UpstreamHTTPError) as err:
        await h.linking().link_phone_number(free, target)
    assert err.value.status == 500
    assert h.app.state.control.requests[sub(target.native_id)] == 1
    assert (await h.number(free.native_id)).assistant is None
