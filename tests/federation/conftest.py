"""Fixtures for the Node-based federation checks: node, the npm packages, a live Switchboard.

The npm packages come from tests/federation/package-lock.json (``make test`` runs
``npm ci``); nothing is downloaded here. Only a missing ``node`` skips these tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NODE_MODULES = HERE / "node_modules"
SERVE = [sys.executable, "-m", "gateway.cli", "serve", "--demo"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def node_env() -> dict[str, str]:
    """Loopback only: no proxy, no Apollo Studio reporting, no telemetry."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
        and not k.startswith("APOLLO_")
    }
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["NODE_ENV"] = "test"
    return env


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed: the federation and Relay checks need Node 20+")
    if not (NODE_MODULES / ".package-lock.json").exists():
        pytest.fail(
            "tests/federation/node_modules is missing: run `make test` (it runs "
            "`npm ci` in tests/federation) or `cd tests/federation && npm ci`"
        )
    return path


def run_node(
    node: str, *args: str, cwd: Path = HERE, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, *args],
        cwd=cwd,
        env=node_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"switchboard exited with {proc.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"switchboard did not answer {url} in time")


@pytest.fixture(scope="session")
def switchboard(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``switchboard serve --demo`` (uvicorn) on a free loopback port."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("switchboard") / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*SERVE, "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "SWITCHBOARD_FEDERATION": "true"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        try:
            _wait_healthy(f"http://127.0.0.1:{port}/healthz", proc, time.monotonic() + 30)
        except RuntimeError as exc:
            pytest.fail(f"{exc}\n{log_path.read_text(errors='replace')[-2000:]}")
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def last_json_line(stdout: str) -> dict[str, object]:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            data: dict[str, object] = json.loads(line)
            return data
    raise AssertionError(f"no JSON summary on stdout:\n{stdout[-2000:]}")
