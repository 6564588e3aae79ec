"""No API key in any response or log line, whatever the upstreams do."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from gateway.emulators import EmulatorConfig
from gateway.model import PROVIDER_ORDER, ProviderName
from tests.e2e.conftest import open_gateway

from .helpers import BURKI, BUTTER, FLIREO, NUMBERS, SYNTHFLOW, TELI, fast

DEMO_KEY = EmulatorConfig().api_key  # what the demo gateway sends every provider
OTHER_KEY = "sk-live-5ecret-Key-0123456789"
QUERIES = [
    NUMBERS,
    "{ assistants(first: 50) { totalCount nodes { name phoneNumbers(first: 5) { nodes { id } } } } }",
    "{ phoneNumbers(first: 100) { nodes { id assistant { name } } } }",
]
SETTINGS = fast(max_attempts=2, breaker_min_calls=2, breaker_cooldown_seconds=0.1)


async def test_no_secret_in_responses_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    responses: list[str] = []

    async with open_gateway(**SETTINGS, request_deadline_seconds=0.5) as gw:
        faults: list[tuple[ProviderName, dict[str, Any]]] = [
            (FLIREO, {"status": 503}),
            (TELI, {"latency_ms": 2000}),
            (BUTTER, {"malformed": True}),
            (BURKI, {"drop": True}),
            (SYNTHFLOW, {"status": 429, "retry_after": 0}),
        ]
        for provider, fault in faults:
            gw.fault(provider, **fault)
        for _ in range(3):  # enough failures to open the breakers too
            for query in QUERIES:
                responses.append(json.dumps(await gw.query(query)))
        for provider, _ in faults:
            gw.emulators[provider].state.control.faults.clear()
        gw.fault(TELI, status=401)
        responses.append(json.dumps(await gw.query(NUMBERS)))

    # Emulators that expect another key: every provider rejects the gateway's credentials.
    worlds = {p: EmulatorConfig(api_key=OTHER_KEY, numbers=4) for p in PROVIDER_ORDER}
    async with open_gateway(worlds, **SETTINGS) as gw:
        for query in QUERIES:
            responses.append(json.dumps(await gw.query(query)))

    seen = "\n".join(responses)
    for code in ("UPSTREAM_HTTP_ERROR", "UPSTREAM_TIMEOUT", "UPSTREAM_BAD_RESPONSE"):
        assert code in seen
    for code in ("UPSTREAM_UNAVAILABLE", "RATE_LIMITED", "UPSTREAM_UNAUTHORIZED"):
        assert code in seen
    assert "traceback" not in seen.lower()
    assert "injected" not in seen
    assert caplog.records, "the failures above should have been logged"
    logged = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
    for secret in (DEMO_KEY, OTHER_KEY):
        assert secret not in seen
        assert secret not in logged
    assert "Bearer" not in seen + logged
