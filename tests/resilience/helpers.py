"""Shared bits of the resilience tests: queries, settings, reading coded errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gateway.model import PROVIDER_ORDER, ProviderName

FLIREO = ProviderName.FLIREO
TELI = ProviderName.TELI
BUTTER = ProviderName.BUTTER
BURKI = ProviderName.BURKI
SYNTHFLOW = ProviderName.SYNTHFLOW
ALL = {p.name for p in PROVIDER_ORDER}

NUMBERS = "{ phoneNumbers(first: 100) { nodes { id provider } } }"
FLIREO_NUMBERS = "{ phoneNumbers(first: 100, filter: {providers: [FLIREO]}) { nodes { id } } }"


def fast(**resilience: Any) -> dict[str, Any]:
    """Gateway settings with quick backoffs, no page cache, and ``resilience`` on top."""
    return {
        "numbers": 4,
        "resilience": {
            "backoff_base_seconds": 0.01,
            "cache_ttl_seconds": 0,
            "failure_memory_seconds": 0,
            **resilience,
        },
    }


def errors(body: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(e["extensions"]["code"], e["extensions"].get("provider")) for e in body["errors"]}


def providers(body: dict[str, Any]) -> set[str]:
    return {n["provider"] for n in body["data"]["phoneNumbers"]["nodes"]}


class Stopwatch:
    elapsed = 0.0


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    watch = Stopwatch()
    started = time.perf_counter()
    try:
        yield watch
    finally:
        watch.elapsed = time.perf_counter() - started
