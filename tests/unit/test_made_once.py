"""What is made of a record is made once while it is in use: by identity, bounded."""

from __future__ import annotations

from gateway.made_once import MadeOnce
from gateway.model import NumberStatus, PhoneNumber, ProviderName
from gateway.schema.types import PhoneNumber as PhoneNumberNode


def _record(native_id: str) -> PhoneNumber:
    return PhoneNumber(
        provider=ProviderName.BUTTER,
        native_id=native_id,
        number="+15550100",
        status=NumberStatus.AVAILABLE,
    )


def test_a_record_keeps_its_node_and_an_equal_record_gets_its_own() -> None:
    nodes = MadeOnce(PhoneNumberNode.of)
    record = _record("a")
    node = nodes(record)
    assert nodes(record) is node
    twin = _record("a")
    assert twin == record
    assert nodes(twin) is not node
    assert nodes(twin).record is twin


def test_only_the_last_records_are_kept() -> None:
    made: list[str] = []

    def make(record: PhoneNumber) -> str:
        made.append(record.native_id)
        return record.native_id

    nodes = MadeOnce(make, size=2)
    records = [_record(x) for x in "abc"]
    for record in [*records, records[0]]:
        nodes(record)
    assert made == ["a", "b", "c", "a"]
