"""The deployment files hold together: the compose config loads, and `switchboard emulate`
serves a provider over a real socket as the compose services do."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from gateway.cli import main
from gateway.deploy import FILES
from gateway.emulators.common import CONTROL_PREFIX
from gateway.model import PROVIDER_ORDER
from tests.processes import served

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def test_compose_config_is_valid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    env = compose["x-gateway"]["environment"]
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))
    assert main(["check-config", "--config", str(DOCKER / "switchboard.toml")]) == 0
    out = capsys.readouterr().out
    assert ", ".join(sorted(p.value for p in PROVIDER_ORDER)) in out
    services = set(compose["services"])
    assert {"redis", "gateway-1", "gateway-2", *(p.value for p in PROVIDER_ORDER)} <= services


@pytest.mark.parametrize("filename", sorted(FILES))
def test_docker_files_are_generated_from_the_registry(filename: str) -> None:
    """Regenerate with `python -m gateway.deploy docker` after adding a provider."""
    assert (DOCKER / filename).read_text() == FILES[filename]()


def test_switchboard_emulate_serves_a_provider() -> None:
    args = ("emulate", "teli", "--numbers", "7", "--api-key", "k1")
    with served(*args, ready=f"{CONTROL_PREFIX}/stats") as emulator:
        url = f"{emulator.url}/v1/sms/phone-numbers"
        r = httpx.get(url, params={"organization_id": "org_demo"}, headers={"X-API-Key": "k1"})
        assert r.status_code == 200
        assert r.json()["success"] is True
        assert httpx.get(url, params={"organization_id": "org_demo"}).status_code == 401
