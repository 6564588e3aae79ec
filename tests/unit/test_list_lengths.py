"""The planner's memory of list lengths: kept for its TTL (an injected clock), bounded."""

from __future__ import annotations

from gateway.list_lengths import ListLengths, RememberedLength


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _thirty_seconds() -> tuple[Clock, ListLengths, RememberedLength]:
    """Lengths kept 30 s by an injected clock, and one list's entry in them."""
    clock = Clock()
    lengths = ListLengths(30, clock=clock)
    return clock, lengths, lengths.of(("burki", "numbers"))


def test_a_length_is_kept_for_its_ttl_then_forgotten() -> None:
    clock, _, slot = _thirty_seconds()
    assert slot.get() is None
    slot.learn(40)
    clock.now += 29.9
    assert slot.get() == 40
    slot.learn(41)  # a later read renews it
    clock.now += 29.9
    assert slot.get() == 41
    clock.now += 0.2
    assert slot.get() is None


def test_a_ttl_of_zero_remembers_nothing() -> None:
    lengths = ListLengths(0)
    lengths.learn("k", 5)
    assert lengths.get("k") is None


def test_the_oldest_lengths_go_first_past_the_bound() -> None:
    lengths = ListLengths(60, max_entries=2)
    for key in ("a", "b", "c"):
        lengths.learn(key, 1)
    assert [lengths.get(k) for k in ("a", "b", "c")] == [None, 1, 1]
    lengths.clear()
    assert lengths.get("c") is None


def test_an_expired_length_stays_a_guess_and_a_write_expires_every_length() -> None:
    clock, lengths, slot = _thirty_seconds()
    assert slot.guess() is None
    slot.learn(40)
    clock.now += 31
    assert (slot.get(), slot.guess()) == (None, 40)
    slot.learn(41)
    lengths.clear()  # a write: no length answers "is there more" until read again
    assert (slot.get(), slot.guess()) == (None, 41)
    slot.learn(42)
    assert slot.get() == 42
    slot.forget()
    assert (slot.get(), slot.guess()) == (None, None)
