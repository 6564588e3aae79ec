"""Reusing the work on an identical upstream body never answers from an old one.

With the page cache off every read goes upstream; the gateway may skip validating and
converting bytes it has just seen (gateway/upstream/recent.py), so the answer must
follow the upstream the moment its bytes change.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from gateway.emulators import EmulatorConfig
from gateway.model import PROVIDER_ORDER

from .conftest import GatewayFactory, open_gateway

UNCACHED: dict[str, Any] = {"resilience": {"cache_ttl_seconds": 0}}
LIST = (
    "{ phoneNumbers(first: 100) { totalCount nodes { id number displayName status "
    "assistant { id name } } } }"
)


async def test_a_list_that_changed_upstream_is_answered_anew(
    make_gateway: GatewayFactory, docs_only: bool
) -> None:
    gw = await make_gateway(numbers=4, assistants=2, seed=1, **UNCACHED)
    before = await gw.data(LIST)
    assert await gw.data(LIST) == before  # the same bytes: the same answer
    changed = {
        name: dataclasses.replace(
            EmulatorConfig(numbers=5, assistants=3, seed=2), docs_only=docs_only
        )
        for name in PROVIDER_ORDER
    }
    for name, config in changed.items():
        gw.restart(name, config)
    after = await gw.data(LIST)
    async with open_gateway(changed, **UNCACHED) as fresh:
        assert after == await fresh.data(LIST)
    assert after != before
    assert after["phoneNumbers"]["totalCount"] == 5 * len(PROVIDER_ORDER)
