"""Work on recent upstream bodies is reused only for the same bytes, never a failure,
never another adapter's, and within its bounds."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from gateway.lru import LRU
from gateway.model import NumberStatus, PhoneNumber, ProviderName
from gateway.upstream.recent import RecentBodies, RecentRecords


class Counting:
    """A decoder that counts its calls and refuses bodies starting with ``!``."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, body: bytes) -> dict[str, Any]:
        self.calls += 1
        if body.startswith(b"!"):
            raise ValueError("not JSON")
        return {"body": body}


def test_the_same_bytes_are_decoded_once_other_bytes_again() -> None:
    recent, decode = RecentBodies(), Counting()
    first = recent.decode(b'{"a": 1}', decode, "Model")
    again = bytearray(b'{"a": "1"}'.replace(b'"1"', b"1"))  # equal bytes, another object
    assert recent.decode(bytes(again), decode, "Model") is first
    assert recent.decode(b'{"a": 2}', decode, "Model") == {"body": b'{"a": 2}'}
    assert decode.calls == 2


def test_the_same_bytes_as_another_model_are_decoded_again() -> None:
    recent, one, other = RecentBodies(), Counting(), Counting()
    recent.decode(b"[]", one, "Numbers")
    recent.decode(b"[]", other, "Agents")
    recent.decode(b"[]", other, "Numbers")  # another runtime's decoder of the same model
    assert (one.calls, other.calls) == (1, 1)


def test_bodies_are_kept_within_their_bytes_and_a_big_one_not_at_all() -> None:
    recent, decode = RecentBodies(budget=8, largest=6), Counting()
    for body in (b"1111", b"2222", b"3333", b"1111"):  # 4 bytes each: two fit
        recent.decode(body, decode, "Model")
    assert decode.calls == 4  # b"1111" was dropped when b"3333" came
    for _ in range(2):
        recent.decode(b"7777777", decode, "Model")  # over the largest kept
    assert decode.calls == 6


def test_a_failure_is_never_kept() -> None:
    recent, decode = RecentBodies(), Counting()
    for _ in range(2):
        with pytest.raises(ValueError, match="not JSON"):
            recent.decode(b"!", decode, "Model")
    assert decode.calls == 2


def test_the_bound_counts_weight_and_a_replaced_entry_once() -> None:
    recent = LRU(budget=10, largest=10)
    recent.put("a", 1, 6)
    recent.put("a", 2, 6)  # replaced, not counted twice
    assert (len(recent), recent.get("a")) == (1, 2)
    recent.put("b", 3, 6)  # 12 > 10: the oldest goes
    assert (recent.get("a"), recent.get("b")) == (None, 3)


def _number(item: str) -> PhoneNumber:
    return PhoneNumber(
        provider=ProviderName.FLIREO,
        native_id=item,
        number=f"+1555{item}",
        status=NumberStatus.AVAILABLE,
    )


class Adapter:
    """A converter's owner, as a provider adapter is."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def number(self, item: str) -> PhoneNumber:
        self.made.append(item)
        return _number(item)

    def label(self, item: str) -> str:
        self.made.append(item)
        return item


def test_records_of_the_same_body_are_reused_in_a_new_list() -> None:
    recent, body, adapter = RecentRecords(), object(), Adapter()
    first = recent.convert("/numbers", body, ["0100", "0101"], adapter.number)
    again = recent.convert("/numbers", body, ["0100", "0101"], adapter.number)
    assert again == first
    assert again is not first
    assert adapter.made == ["0100", "0101"]
    recent.convert("/numbers", object(), ["0100"], adapter.number)  # another body
    assert adapter.made == ["0100", "0101", "0100"]


def test_another_adapter_or_anything_but_records_is_converted_again() -> None:
    recent, body, adapter, other = RecentRecords(), object(), Adapter(), Adapter()
    recent.convert("/numbers", body, ["0100"], adapter.number)
    recent.convert("/numbers", body, ["0100"], other.number)  # another tenant's adapter
    for _ in range(2):
        assert recent.convert("/numbers", body, ["0100"], adapter.label) == ["0100"]
    assert (adapter.made, other.made) == (["0100", "0100", "0100"], ["0100"])


def test_records_do_not_keep_an_adapter_alive() -> None:
    recent, body, adapter = RecentRecords(), object(), Adapter()
    recent.convert("/numbers", body, ["0100"], adapter.number)
    held = weakref.ref(adapter)
    assert len(recent) == 1
    del adapter
    gc.collect()
    assert held() is None
    assert len(recent) == 0  # its records went with it
    fresh = Adapter()
    recent.convert("/numbers", body, ["0100"], fresh.number)
    assert fresh.made == ["0100"]  # whatever its id, nothing of the dead one is found


def test_records_are_kept_within_their_count_and_a_long_list_not_at_all() -> None:
    recent, adapter = RecentRecords(budget=3, largest=2), Adapter()
    bodies = [object() for _ in range(3)]
    for body in [*bodies[:2], bodies[0]]:
        recent.convert("/n", body, ["a", "b"], adapter.number)  # 2 + 2 > 3: one kept
    assert len(adapter.made) == 6
    before = len(recent)
    for _ in range(2):  # longer than kept: converted each time, and not noted either
        recent.convert("/n", object(), ["a", "b", "c"], adapter.number)
    assert len(adapter.made) == 12
    assert len(recent) == before
