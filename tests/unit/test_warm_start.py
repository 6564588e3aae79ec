"""Which queries a runtime warms: only one whose last two executions asked the same pages."""

from __future__ import annotations

from gateway.warm_start import MOST_PAGES, WarmStarts

KEY = WarmStarts.key("{ phoneNumbers { nodes { id } } }", None, None)


def test_a_query_is_warmed_once_two_executions_in_a_row_asked_the_same_pages() -> None:
    warm = WarmStarts()
    assert warm.plan(KEY) is None
    warm.record(KEY, ["burki:0-100", "butter:0-50"])
    assert warm.plan(KEY) is None  # once is not steady
    warm.record(KEY, ["burki:0-100", "butter:0-50"])
    assert warm.plan(KEY) == ("burki:0-100", "butter:0-50")


def test_an_execution_that_asked_other_pages_makes_the_query_cold_again() -> None:
    warm = WarmStarts()
    for _ in range(2):
        warm.record(KEY, ["burki:0-100"])
    warm.record(KEY, ["burki:0-100", "teli:0-100"])  # the lists changed
    assert warm.plan(KEY) is None
    warm.record(KEY, ["burki:0-100", "teli:0-100"])
    assert warm.plan(KEY) == ("burki:0-100", "teli:0-100")
    warm.record(KEY, [])  # answered without a page (a node by id): nothing to warm
    warm.record(KEY, [])
    assert warm.plan(KEY) is None
    assert len(warm) == 0


def test_the_key_is_the_text_the_operation_and_the_variables() -> None:
    text = "query A($n: Int) { a: phoneNumbers(first: $n) { nodes { id } } } query B { x }"
    key = WarmStarts.key(text, "A", {"n": 5, "m": None})
    assert key == WarmStarts.key(text, "A", {"m": None, "n": 5})  # the order of variables
    assert key != WarmStarts.key(text, "B", {"n": 5, "m": None})
    assert key != WarmStarts.key(text, "A", {"n": 6, "m": None})
    assert key != WarmStarts.key(text + " ", "A", {"n": 5, "m": None})


def test_what_is_kept_is_bounded() -> None:
    warm = WarmStarts(budget=4)
    big = [f"page {i}" for i in range(MOST_PAGES + 1)]
    for _ in range(2):
        warm.record(KEY, big)
    assert warm.plan(KEY) is None  # too many pages to be worth keeping
    for n in range(5):
        for _ in range(2):
            warm.record(WarmStarts.key(f"query Q{n} {{ x }}", None, None), ["page"])
    assert len(warm) == 4  # the least recently used went first
    assert warm.plan(WarmStarts.key("query Q0 { x }", None, None)) is None
