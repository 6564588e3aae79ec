"""Retell's own behaviours: cursor pages by pagination_key, numbers keyed by E.164 with a
literal +, weighted agent lists as routes, the legacy list where v2 is not served, agents
by POST with a voice filter, 422 as not found, and linking by PATCH checked on its answer."""

from __future__ import annotations

import pytest

from gateway.errors import UpstreamHTTPError
from gateway.model import AssistantRef, NumberStatus, ProviderName, RouteChannel, RouteDirection
from gateway.paging import NumberFilter, PageRequest
from gateway.providers.base import LinkError, LinkErrorCode

from .conftest import Harness, HarnessFactory

RETELL = ProviderName.RETELL


def records(h: Harness) -> dict[str, dict[str, object]]:
    data = h.app.state.data
    return {n["phone_number"]: n for n in data.numbers}


async def test_numbers_follow_pagination_key_to_the_end(make_harness: HarnessFactory) -> None:
    for docs_only in (False, True):  # docs-only: the last page carries a key too
        h = make_harness(RETELL, numbers=23, assistants=4, docs_only=docs_only)
        numbers = await h.all_numbers(limit=5)
        assert sorted(n.number for n in numbers) == sorted(w.e164 for w in h.world.numbers)
        assert h.client.requests["/v2/list-phone-numbers"] == 5
        assert all(n.native_id == n.number and n.created_at is None for n in numbers)
        first = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=5))
        assert first.next_cursor == first.items[-1].number
        second = await h.adapter.list_phone_numbers(
            NumberFilter(), PageRequest(limit=5, cursor=first.next_cursor)
        )
        assert second.items[0].number == numbers[5].number


async def test_weighted_lists_are_routes(make_harness: HarnessFactory) -> None:
    h = make_harness(RETELL, numbers=30, assistants=5)
    raw = records(h)
    numbers = {n.number: n for n in await h.all_numbers()}
    splits = 0
    for e164, rec in raw.items():
        n = numbers[e164]
        inbound = rec["inbound_agents"] or []
        assert isinstance(inbound, list)
        voice_in = [r for r in n.routes if r.kind.direction is RouteDirection.INBOUND]
        voice_in = [r for r in voice_in if r.kind.channel is RouteChannel.VOICE]
        assert [(r.assistant.native_id, r.weight) for r in voice_in] == [
            (w["agent_id"], w["weight"]) for w in inbound
        ]
        if len(inbound) == 2:
            splits += 1
            # The largest share, the first listed on a tie (0.5/0.5).
            assert n.assistant == AssistantRef(RETELL, inbound[0]["agent_id"])
        assert (n.status is NumberStatus.ASSIGNED) == bool(n.routes)
        assert n.carrier == {"retell-twilio": "twilio", "retell-telnyx": "telnyx"}.get(
            str(rec["phone_number_type"])
        )
        assert n.display_name == rec["nickname"]
    assert splits >= 2
    assert any(r.kind.channel is RouteChannel.SMS for n in numbers.values() for r in n.routes)


async def test_legacy_agent_fields_stand_in_for_an_empty_list(make_harness: HarnessFactory) -> None:
    h = make_harness(RETELL, numbers=6, assistants=3)
    agent = h.app.state.data.agents[0]["agent_id"]
    rec = h.app.state.data.numbers[0]
    rec.update(inbound_agents=None, outbound_agents=[], inbound_agent_id=agent)
    n = await h.number(str(rec["phone_number"]))
    assert [(r.assistant.native_id, r.kind.direction, r.weight) for r in n.routes][:1] == [
        (agent, RouteDirection.INBOUND, None)
    ]
    assert n.status is NumberStatus.ASSIGNED
    assert n.assistant == AssistantRef(RETELL, agent)


async def test_without_v2_the_legacy_array_is_read(make_harness: HarnessFactory) -> None:
    h = make_harness(RETELL, numbers=12, assistants=2)
    await h.inject(status=404, path_prefix="/v2/list-phone-numbers")
    numbers = await h.all_numbers(limit=5)
    assert sorted(n.number for n in numbers) == sorted(w.e164 for w in h.world.numbers)
    assert h.client.requests["/list-phone-numbers"] == 1
    await h.inject(status=404, path_prefix="/list-phone-numbers")  # neither served
    with pytest.raises(UpstreamHTTPError) as err:
        await h.all_numbers()
    assert err.value.status == 404  # the v2 list's error: nothing was left over


async def test_agents_are_voice_summaries_by_post(make_harness: HarnessFactory) -> None:
    h = make_harness(RETELL, numbers=4, assistants=7)
    agents = await h.all_assistants(limit=3)
    assert sorted(a.name for a in agents) == sorted(w.name for w in h.world.assistants)
    assert "Website chat" not in {a.name for a in agents}  # the chat agent is filtered out
    assert all(a.active is None for a in agents)
    assert h.client.requests["/v2/list-agents"] == 3
    assert any(t.startswith("/v2/list-agents?limit=3") for t in h.app.state.control.targets)
    chat = h.app.state.data.agents[-1]["agent_id"]
    assert await h.adapter.get_assistant(chat) is None  # 422: not a voice agent


async def test_not_found_is_422_and_404(make_harness: HarnessFactory) -> None:
    h = make_harness(RETELL, numbers=2, assistants=2)
    assert await h.adapter.get_assistant("agent_" + "0" * 26) is None
    known, other = (a.native_id for a in await h.all_assistants())
    await h.inject(status=404, path_prefix=f"/get-agent/{known}", times=1)
    assert await h.adapter.get_assistant(known) is None
    await h.inject(status=500, path_prefix=f"/get-agent/{other}", times=1)
    with pytest.raises(UpstreamHTTPError):
        await h.adapter.get_assistant(other)


async def test_link_and_unlink_patch_the_lists_by_e164(make_harness: HarnessFactory) -> None:
    h = make_harness(RETELL, numbers=10, assistants=3)
    free = next(n for n in await h.all_numbers() if n.assistant is None)
    target = (await h.all_assistants())[0]
    await h.linking().link_phone_number(free, target)
    assert f"/update-phone-number/{free.number}" in h.app.state.control.targets  # literal +
    rec = records(h)[free.number]
    alone = [{"agent_id": target.native_id, "weight": 1}]
    assert rec["inbound_agents"] == alone
    assert rec["outbound_agents"] == alone
    linked = await h.number(free.number)
    assert linked.assistant == AssistantRef(RETELL, target.native_id)
    await h.linking().unlink_phone_number(linked)
    again = await h.number(free.number)
    assert again.assistant is None
    assert again.routes == ()
    assert again.status is NumberStatus.AVAILABLE


async def test_an_unlink_the_answer_does_not_show_is_not_claimed(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(RETELL, numbers=10, assistants=3)
    held = next(n for n in await h.all_numbers() if n.assistant is not None)
    h.app.state.data.null_unbinds = False  # a server that reads null as "unchanged"
    with pytest.raises(LinkError) as err:
        await h.linking().unlink_phone_number(held)
    assert err.value.code is LinkErrorCode.NOT_SUPPORTED
    assert "retell" in err.value.message


async def test_the_emulator_checks_weights_and_reads_percent_encoded_plus(
    make_harness: HarnessFactory,
) -> None:
    for docs_only, bad_sum, encoded in ((False, 400, 200), (True, 422, 422)):
        h = make_harness(RETELL, numbers=3, assistants=3, docs_only=docs_only)
        e164 = h.world.numbers[0].e164
        agents = [a["agent_id"] for a in h.app.state.data.agents[:2]]
        auth = {"Authorization": "Bearer demo-key"}
        split = [{"agent_id": agents[0], "weight": 0.6}, {"agent_id": agents[1], "weight": 0.6}]
        answer = await h.http.patch(
            f"/update-phone-number/{e164}", json={"inbound_agents": split}, headers=auth
        )
        assert answer.status_code == bad_sum
        assert answer.json()["status"] == "error"
        answer = await h.http.get(f"/get-phone-number/%2B{e164[1:]}", headers=auth)
        assert answer.status_code == encoded
