"""The deployment files hold together: the compose config loads, and `switchboard emulate`
serves a provider over a real socket as the compose services do."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from gateway.cli import main

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
    assert "burki, butter, flireo, synthflow, teli" in out
    services = set(compose["services"])
    assert {
        "redis",
        "gateway-1",
        "gateway-2",
        "burki",
        "butter",
        "flireo",
        "synthflow",
        "teli",
    } <= services


def test_switchboard_emulate_serves_a_provider() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli = Path(sys.executable).with_name("switchboard")
    proc = subprocess.Popen(
        [str(cli), "emulate", "teli", "--port", str(port), "--numbers", "7", "--api-key", "k1"]
    )
    try:
        url = f"http://127.0.0.1:{port}/v1/sms/phone-numbers"
        for _ in range(100):
            try:
                r = httpx.get(
                    url, params={"organization_id": "org_demo"}, headers={"X-API-Key": "k1"}
                )
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["success"] is True
        assert httpx.get(url, params={"organization_id": "org_demo"}).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)
