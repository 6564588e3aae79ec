"""The two ways gateway/ordering.py orders items agree: the stable multi-pass sort that
orders whole lists and the comparison that places keyset cursors (a disagreement would
make a page start at the wrong item)."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gateway.cursors import Keyset
from gateway.ordering import NUMBER_KEYS, Direction, Order, first_after

values = st.one_of(st.none(), st.integers(-3, 3))
directions = st.lists(st.sampled_from(list(Direction)), min_size=1, max_size=3)


@given(directions=directions, data=st.data())
def test_sort_and_compare_agree(directions: list[Direction], data: Any) -> None:
    keys = list(NUMBER_KEYS.values())[: len(directions)]
    order: Order[Any] = Order(tuple(zip(keys, directions, strict=True)))
    keysets: list[Keyset] = data.draw(
        st.lists(
            st.tuples(
                st.tuples(*[values] * len(directions)), st.integers(0, 2), st.sampled_from("abc")
            ),
            unique_by=lambda k: k[1:],  # (provider, id) names one item
        )
    )
    entries = [(k, None) for k in keysets]
    order.sort(entries)
    assert [k for k, _ in entries] == sorted(keysets, key=functools.cmp_to_key(order.compare))
    for i, (k, _) in enumerate(entries):  # a cursor at entry i resumes at entry i + 1
        assert first_after(entries, k, order.compare) == i + 1
    firsts = [k[0][0] is None for k, _ in entries]
    assert firsts == sorted(firsts), "nulls sort last, whichever the direction"
