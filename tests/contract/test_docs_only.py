"""Docs-only emulators (EmulatorConfig.docs_only) and what the adapters make of them: an
undocumented get-one endpoint is absent, so one assistant is found through the list."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.demo import demo_provider_settings
from gateway.emulators.common import EmulatorConfig
from gateway.model import ProviderName
from gateway.providers import adapter_class
from gateway.providers.base import linking, lookup_assistant

from .conftest import Harness, HarnessFactory


def auth(h: Harness) -> dict[str, str]:
    """The adapter's own headers, for raw requests to its emulator."""
    return adapter_class(h.adapter.name).auth.headers(demo_provider_settings(h.adapter.name))


BUTTER, FLIREO, TELI = ProviderName.BUTTER, ProviderName.FLIREO, ProviderName.TELI
GET_ONE = {
    BUTTER: ("/api/agents/{}", 405),
    FLIREO: ("/v1/assistants/{}", 404),
    TELI: ("/v1/agents/{}", 200),  # exists, in a shape the docs do not show
}


@pytest.mark.parametrize("name", list(GET_ONE))
async def test_one_assistant_is_found_through_the_list(
    make_harness: HarnessFactory, name: ProviderName
) -> None:
    h = make_harness(name, docs_only=True, assistants=7)
    listed = await h.all_assistants()
    path, status = GET_ONE[name]
    params = {"organization_id": "org_demo"} if name is TELI else None
    answer = await h.http.get(path.format(listed[3].native_id), params=params, headers=auth(h))
    assert answer.status_code == status
    assert await lookup_assistant(h.adapter, listed[3].native_id) == listed[3]
    assert await lookup_assistant(h.adapter, listed[5].native_id) == listed[5]
    assert await lookup_assistant(h.adapter, "no-such-assistant") is None


async def test_docs_only_butter_keeps_its_own_page_size(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, docs_only=True, numbers=45)
    for asked in (1, 7, 100):
        answer = await h.http.get(
            "/api/phone-numbers", params={"page_size": asked}, headers=auth(h)
        )
        page = answer.json()
        assert len(page["data"]) == page["pagination"]["page_size"] == 20
    assert len(await h.all_numbers(limit=7)) == 45


# -- every other ASSUMPTION, served the hostile way (gateway/emulators/*.py) -------------

BURKI, SYNTHFLOW = ProviderName.BURKI, ProviderName.SYNTHFLOW


async def test_synthflow_list_items_without_outbound_numbers_fall_back_to_get_one(
    make_harness: HarnessFactory,
) -> None:
    """The docs show ``attached_phone_numbers`` on the get-one agent only: a list without
    them must not read as agents without outbound numbers."""
    h = make_harness(SYNTHFLOW, docs_only=True, numbers=40, assistants=6)
    raw = await h.http.get("/v2/assistants/", params={"limit": 100}, headers=auth(h))
    assert all("attached_phone_numbers" not in a for a in raw.json()["response"]["assistants"])
    listed = await h.all_assistants()
    for a, w in zip(listed, h.world.assistants, strict=True):
        assert sorted(a.phone_numbers or ()) == sorted(n.e164 for n in h.world.numbers_of(w.index))
    assert any(len(a.phone_numbers or ()) > 1 for a in listed)  # outbound ones were found


async def test_synthflow_pages_past_a_silent_page_cap_by_its_total(
    make_harness: HarnessFactory,
) -> None:
    """No page-size maximum is published: docs-only caps pages at 30 and still echoes the
    limit asked; the adapter's pages follow ``total_records``, not the page length."""
    h = make_harness(SYNTHFLOW, docs_only=True, numbers=75, assistants=40)
    params: dict[str, str | int] = {"workspace": "1710107690998x536152705164378100", "limit": 100}
    page = (await h.http.get("/v2/numbers", params=params, headers=auth(h))).json()["response"]
    assert len(page["phone_numbers"]) == 30
    assert page["pagination"] == {"total_records": 75, "limit": 100, "offset": 0}
    assert [n.number for n in await h.all_numbers()] == [n.e164 for n in h.world.numbers]
    assert len(await h.all_assistants()) == 40


async def test_synthflow_undocumented_errors_with_empty_bodies_keep_their_meaning(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(SYNTHFLOW, docs_only=True, api_key="wrong-key")
    answer = await h.http.get("/v2/assistants/", headers={"Authorization": "Bearer wrong-key"})
    assert (answer.status_code, answer.json()) == (401, {})
    await h.assert_reads_unauthorized("wrong-key", "00000000-0000-0000-0000-000000000000")
    h = make_harness(SYNTHFLOW, docs_only=True)
    assert await lookup_assistant(h.adapter, "00000000-0000-0000-0000-000000000000") is None


async def test_teli_numbers_naming_voice_agent_ids_point_at_agent_ids(
    make_harness: HarnessFactory,
) -> None:
    """The docs' update-agent example id has the ``voice_agent_id`` format: numbers that
    hold one still name the agent the gateway lists (by ``agent_id``)."""
    h = make_harness(TELI, docs_only=True, numbers=30, assistants=5)
    params = {"organization_id": "org_demo", "user_id": "x", "is_admin": "true"}
    raw = await h.http.get("/v1/voice/phone-numbers", params=params, headers=auth(h))
    held = [r["inbound_agent_id"] for r in raw.json()["phone_numbers"] if r["inbound_agent_id"]]
    assert held
    assert all(i.startswith("agent_") for i in held)
    agents = {a.native_id: a for a in await h.all_assistants()}
    by_number = {n.number: n for n in await h.all_numbers()}
    for w in h.world.numbers:
        if w.index % 2 == 0 and w.assistant is not None:  # a linked voice number
            ref = by_number[w.e164].assistant
            assert ref is not None
            assert agents[ref.native_id].name == h.world.assistants[w.assistant].name


async def test_teli_link_with_agent_id_where_numbers_hold_voice_agent_ids(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(TELI, docs_only=True, numbers=30, assistants=5)
    free = next(n for n in await h.all_numbers() if n.capabilities.voice and n.assistant is None)
    target = (await h.all_assistants())[2]
    await h.linking().link_phone_number(free, target)
    after = await h.number(free.native_id)
    assert after.assistant is not None
    assert after.assistant.native_id == target.native_id


async def test_teli_link_sends_the_voice_agent_id_after_a_404_before_any_number_is_seen(
    make_harness: HarnessFactory,
) -> None:
    """Docs-only update-agent takes only the example's id format (voice_agent_id). An
    adapter that has listed no voice number yet sends the agent_id, gets the documented 404
    and sends the write once more by the voice_agent_id: the number is linked, not
    reported missing."""
    world: dict[str, Any] = {"docs_only": True, "numbers": 30, "assistants": 5}
    h = make_harness(TELI, **world)
    free = next(n for n in await h.all_numbers() if n.capabilities.voice and n.assistant is None)
    target = (await h.all_assistants())[2]
    fresh = adapter_class(TELI)(demo_provider_settings(TELI, EmulatorConfig(**world)), h.client)
    control = h.app.state.control
    control.targets.clear()
    can = linking(fresh)
    assert can is not None
    await can.link_phone_number(free, target)
    writes = [t for t in control.targets if t.endswith("/update-agent?organization_id=org_demo")]
    assert len(writes) == 2, list(control.targets)
    after = await h.number(free.native_id)
    assert after.assistant is not None
    assert after.assistant.native_id == target.native_id
    # Having seen numbers that hold voice_agent_ids, the same adapter sends that id at once.
    other = next(n for n in await h.all_numbers() if n.capabilities.voice and n.assistant is None)
    control.targets.clear()
    await h.linking().link_phone_number(other, target)
    assert len([t for t in control.targets if "/update-agent" in t]) == 1


async def test_burki_hostile_readings_change_nothing_the_adapter_returns(
    make_harness: HarnessFactory,
) -> None:
    """Docs-only Burki: assistants by id descending, no stats fields, released numbers
    that keep an assistant. The adapter lists the same assistants and only active numbers."""
    h = make_harness(BURKI, docs_only=True, numbers=40, assistants=12)
    raw = (await h.http.get("/api/v1/assistants", headers=auth(h))).json()
    assert [a["id"] for a in raw] == list(range(12, 0, -1))
    assert "total_calls" not in raw[0]
    listed = await h.all_assistants(limit=5)
    assert sorted(a.name for a in listed) == sorted(a.name for a in h.world.assistants)
    numbers = await h.all_numbers()
    assert sorted(n.number for n in numbers) == sorted(n.e164 for n in h.world.numbers)


async def test_burki_assistants_past_a_silent_cap_without_a_total(
    make_harness: HarnessFactory,
) -> None:
    """Burki reports no total: a short answer of a round size (a possible cap) is followed."""
    h = make_harness(BURKI, docs_only=True, numbers=1, assistants=47, max_page_size=10)
    assert len(await h.all_assistants()) == 47
    # 10, 10, 10, 10 (each a possible cap, so followed), then 7: not round, the end.
    assert h.client.requests["/api/v1/assistants"] == 5


async def test_flireo_assistants_without_meta_past_a_silent_cap(
    make_harness: HarnessFactory,
) -> None:
    """The assistant list's shape is not in the stored docs: docs-only leaves out ``meta``
    (no total), lists oldest first, and here caps pages at 10 (documented maximum 100)."""
    h = make_harness(FLIREO, docs_only=True, numbers=5, assistants=35, max_page_size=10)
    raw = (await h.http.get("/v1/assistants", headers=auth(h))).json()
    assert "meta" not in raw
    assert len(raw["data"]) == 10
    listed = await h.all_assistants()
    assert [a.name for a in listed] == [a.name for a in h.world.assistants]  # oldest first
    assert len(await h.all_numbers(limit=100)) == 5
