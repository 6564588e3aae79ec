"""The per-runtime memory of sorted parts: kept for their TTL (an injected clock), only
whole reads, cleared by writes (and never refilled by a read from before one), bounded."""

from __future__ import annotations

from typing import Any

from gateway.errors import SortLimitExceeded, UpstreamError
from gateway.model import ProviderName
from gateway.sorted_snapshots import SortedSnapshots
from gateway.sorted_window import Sorted


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def part(size: int, **kw: Any) -> Sorted[Any]:
    return Sorted(0, [(((i,), 0, str(i)), i) for i in range(size)], **kw)


def test_a_part_is_kept_for_its_ttl_from_when_its_read_began() -> None:
    clock = Clock()
    snaps = SortedSnapshots(100, clock=clock)
    began = snaps.started()
    clock.now += 1  # the read took a second
    snaps.put("k", part(3), 5, began)
    clock.now += 3.9
    assert snaps.get("k") is not None
    clock.now += 0.2
    assert snaps.get("k") is None
    assert len(snaps) == 0
    assert snaps.items == 0


def test_only_whole_reads_are_kept() -> None:
    snaps = SortedSnapshots(100, clock=Clock())
    limit = part(0, error=SortLimitExceeded(ProviderName.VAPI, 10))
    failed = part(0, error=UpstreamError(ProviderName.VAPI, "down", status=500))
    for key, made in (("limit", limit), ("failed", failed), ("partial", part(2, partial=True))):
        snaps.put(key, made, 5, snaps.started())
        assert snaps.get(key) is None
    assert snaps.items == 0


def test_a_clear_forgets_and_refuses_parts_read_before_it() -> None:
    snaps = SortedSnapshots(100, clock=Clock())
    snaps.put("k", part(2), 5, snaps.started())
    began = snaps.started()  # a read in flight during a write
    snaps.clear()
    assert snaps.get("k") is None
    snaps.put("j", part(2), 5, began)
    assert snaps.get("j") is None
    snaps.put("j", part(2), 5, snaps.started())
    assert snaps.get("j") is not None


def test_the_least_recently_used_parts_go_first_past_the_item_budget() -> None:
    snaps = SortedSnapshots(10, clock=Clock())
    for key in ("a", "b", "c"):
        snaps.put(key, part(4), 5, snaps.started())
    assert snaps.get("a") is None  # 12 > 10: the oldest went
    assert snaps.items == 8
    assert snaps.get("b") is not None  # now the most recently used
    snaps.put("d", part(4), 5, snaps.started())
    assert snaps.get("c") is None
    assert snaps.get("b") is not None
    snaps.put("huge", part(11), 5, snaps.started())  # larger than the budget: not kept
    assert snaps.get("huge") is None
    assert snaps.items == 8


async def test_through_reads_once_per_ttl_and_always_with_a_ttl_of_zero() -> None:
    clock = Clock()
    snaps = SortedSnapshots(100, clock=clock)
    reads = 0

    async def read() -> Sorted[Any]:
        nonlocal reads
        reads += 1
        return part(2)

    for _ in range(3):
        await snaps.through("k", 5, read)
    assert reads == 1
    assert (snaps.hits, snaps.misses) == (2, 1)
    clock.now += 5
    got, kept = await snaps.through("k", 5, read)
    assert reads == 2
    assert not kept
    assert len(got.entries) == 2
    for _ in range(2):
        await snaps.through("off", 0, read)
    assert reads == 4
    assert len(snaps) == 1
