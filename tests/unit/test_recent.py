"""Work on recent upstream bodies is reused only for the same bytes, never a failure."""

from __future__ import annotations

from typing import Any

import pytest

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
    recent, decode = RecentBodies(size=2), Counting()
    first = recent.decode(b'{"a": 1}', decode)
    again = bytearray(b'{"a": "1"}'.replace(b'"1"', b"1"))  # equal bytes, another object
    assert recent.decode(bytes(again), decode) is first
    assert recent.decode(b'{"a": 2}', decode) == {"body": b'{"a": 2}'}
    assert decode.calls == 2


def test_only_the_last_bodies_are_kept() -> None:
    recent, decode = RecentBodies(size=2), Counting()
    for body in (b"1", b"2", b"3", b"1"):
        recent.decode(body, decode)
    assert decode.calls == 4  # b"1" was dropped when b"3" came


def test_a_failure_is_never_kept() -> None:
    recent, decode = RecentBodies(), Counting()
    for _ in range(2):
        with pytest.raises(ValueError, match="not JSON"):
            recent.decode(b"!", decode)
    assert decode.calls == 2


def _number(item: str) -> PhoneNumber:
    return PhoneNumber(
        provider=ProviderName.FLIREO,
        native_id=item,
        number=f"+1555{item}",
        status=NumberStatus.AVAILABLE,
    )


def test_records_of_the_same_body_are_reused_in_a_new_list() -> None:
    recent, body, made = RecentRecords(), object(), []

    def convert(item: str) -> PhoneNumber:
        made.append(item)
        return _number(item)

    first = recent.convert("/numbers", body, ["0100", "0101"], convert)
    again = recent.convert("/numbers", body, ["0100", "0101"], convert)
    assert again == first
    assert again is not first
    assert made == ["0100", "0101"]
    recent.convert("/numbers", object(), ["0100"], convert)  # another body: converted
    assert made == ["0100", "0101", "0100"]


def test_another_converter_or_anything_but_records_is_converted_again() -> None:
    recent, body, made = RecentRecords(), object(), []

    def convert(item: str) -> PhoneNumber:
        made.append(item)
        return _number(item)

    def label(item: str) -> str:
        made.append(item)
        return item

    recent.convert("/numbers", body, ["0100"], convert)
    recent.convert("/numbers", body, ["0100"], lambda item: convert(item))
    for _ in range(2):
        assert recent.convert("/numbers", body, ["0100"], label) == ["0100"]
    assert made == ["0100"] * 4
