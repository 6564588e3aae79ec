"""The demo failure switch over a real socket: a provider made failing in demo mode gives
partial data with its error code; outside demo mode the switch does not exist."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import httpx
import pytest

from gateway.config import SecuritySettings, Settings
from tests.processes import SWITCHBOARD
from tests.processes import served as serve

QUERY = """{ phoneNumbers(first: 100) { nodes { provider number } } }"""


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with serve("serve", "--demo", "--fail", "flireo") as server:
        yield server.url


def numbers(url: str) -> dict[str, object]:
    response = httpx.post(f"{url}/graphql", json={"query": QUERY}, timeout=30)
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


def providers_and_codes(body: dict[str, object]) -> tuple[set[str], list[tuple[str, str]]]:
    data = body["data"]
    assert isinstance(data, dict)
    seen = {n["provider"] for n in data["phoneNumbers"]["nodes"]}
    errors = body.get("errors") or []
    assert isinstance(errors, list)
    codes = [(e["extensions"].get("provider"), e["extensions"]["code"]) for e in errors]
    return seen, codes


def test_a_provider_failing_from_the_command_line_gives_partial_data(served: str) -> None:
    seen, codes = providers_and_codes(numbers(served))
    assert "FLIREO" not in seen
    assert {"BURKI", "TELI"} <= seen
    assert codes, codes
    assert all(p == "flireo" for p, _ in codes), codes
    assert {c for _, c in codes} <= {"UPSTREAM_UNAVAILABLE", "UPSTREAM_HTTP_ERROR"}


def test_the_control_page_switches_a_provider_to_rate_limited_and_back(served: str) -> None:
    page = httpx.get(f"{served}/demo/faults", timeout=10)
    assert page.status_code == 200
    assert 'id="mode-flireo">failing' in page.text
    json_accept = {"Accept": "application/json"}
    r = httpx.post(
        f"{served}/demo/faults",
        json={"provider": "teli", "mode": "rate-limited"},
        headers=json_accept,
        timeout=10,
    )
    assert r.json()["providers"]["teli"] == "rate-limited"
    seen, codes = providers_and_codes(numbers(served))
    assert "TELI" not in seen, codes
    assert ("teli", "RATE_LIMITED") in codes, codes
    for provider in ("teli", "flireo"):
        r = httpx.post(
            f"{served}/demo/faults", data={"provider": provider, "mode": "ok"}, timeout=10
        )
        assert r.status_code == 200
    r = httpx.get(f"{served}/demo/faults", headers=json_accept, timeout=10)
    assert set(r.json()["providers"].values()) == {"ok"}
    bad = httpx.post(f"{served}/demo/faults", json={"provider": "nope"}, timeout=10)
    assert bad.status_code == 400


def test_outside_demo_mode_the_switch_is_refused_at_start_up() -> None:
    result = subprocess.run(
        [str(SWITCHBOARD), "serve", "--fail", "flireo"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "demo_fail" in result.stderr
    assert "demo mode" in result.stderr
    with pytest.raises(ValueError, match="demo_fail"):
        Settings(demo_fail=["flireo"], security=SecuritySettings(allow_unauthenticated=True))


def test_outside_demo_mode_there_is_no_control_page() -> None:
    env = {"SWITCHBOARD_SECURITY__ALLOW_UNAUTHENTICATED": "true"}
    env |= {"SWITCHBOARD_PROVIDERS__FLIREO__BASE_URL": "http://127.0.0.1:9"}
    env |= {"SWITCHBOARD_PROVIDERS__FLIREO__API_KEY_ENV": "DEMO_FAULTS_TEST_KEY"}
    env |= {"DEMO_FAULTS_TEST_KEY": "k"}
    with serve("serve", env=env) as server:
        assert httpx.get(f"{server.url}/demo/faults", timeout=10).status_code == 404
        assert httpx.post(f"{server.url}/demo/faults", json={}, timeout=10).status_code == 404
