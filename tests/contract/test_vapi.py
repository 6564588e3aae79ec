"""Vapi's own behaviours: offsets over page numbers, the legacy list where /v2 is not
served, and linking by PATCH (``assistantId: null`` unlinks)."""

from __future__ import annotations

from gateway.model import NumberStatus, ProviderName
from gateway.paging import NumberFilter, PageRequest

from .conftest import HarnessFactory

VAPI = ProviderName.VAPI


async def test_an_offset_between_pages_reads_the_two_around_it(
    make_harness: HarnessFactory,
) -> None:
    h = make_harness(VAPI, numbers=23, assistants=2)
    everything = await h.all_numbers(limit=100)
    h.client.requests.clear()
    page = await h.adapter.list_phone_numbers(NumberFilter(), PageRequest(offset=7, limit=5))
    assert [n.native_id for n in page.items] == [n.native_id for n in everything[7:12]]
    assert page.total == 23
    assert h.client.requests["/v2/phone-number"] == 2  # pages 2 and 3 of five


async def test_without_v2_the_legacy_array_is_read(make_harness: HarnessFactory) -> None:
    h = make_harness(VAPI, numbers=12, assistants=2, docs_only=True)
    numbers = await h.all_numbers(limit=5)
    assert sorted(n.number for n in numbers) == sorted(w.e164 for w in h.world.numbers)
    assert h.client.requests["/phone-number"] >= 1


async def test_link_and_unlink_patch_the_number(make_harness: HarnessFactory) -> None:
    h = make_harness(VAPI, numbers=10, assistants=3)
    free = next(n for n in await h.all_numbers() if n.assistant is None)
    target = (await h.all_assistants())[0]
    await h.linking().link_phone_number(free, target)
    linked = await h.number(free.native_id)
    assert linked.assistant is not None
    assert linked.assistant.native_id == target.native_id
    await h.linking().unlink_phone_number(linked)
    again = await h.number(free.native_id)
    assert again.assistant is None
    assert again.status is NumberStatus.AVAILABLE
