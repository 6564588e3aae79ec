"""The calls a traversal needs (bench/scenarios.py calls_needed): the fewest upstream
requests a gateway without a page cache can make for a forward walk, hasNextPage exact."""

from __future__ import annotations

from bench.scenarios import calls_needed
from gateway.model import ProviderName

B, F, T = ProviderName.BURKI, ProviderName.FLIREO, ProviderName.TELI


def test_each_page_reads_what_it_shows_per_endpoint() -> None:
    # Pages that straddle providers read both; Teli's list is two endpoints.
    assert calls_needed([[B], [B, F], [F, T], [T]]) == 1 + 2 + 3 + 2


def test_a_page_ending_on_its_providers_last_item_needs_one_read_of_a_later_one() -> None:
    # Page 1 ends with Burki's last number and page 2 starts with Flireo: page 1 must
    # still know a later item exists. One remembered read covers every such page.
    assert calls_needed([[B], [F], [F], [T]]) == 1 + 1 + 1 + 2 + 1
    assert calls_needed([[B]]) == 1
