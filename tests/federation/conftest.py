"""Fixtures for the Node-based federation checks: node, the npm packages, a live Switchboard.

The npm packages come from tests/federation/package-lock.json (``make test`` runs
``npm ci``); nothing is downloaded here. Only a missing ``node`` skips these tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import served

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NODE_MODULES = HERE / "node_modules"


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


@pytest.fixture(scope="session")
def switchboard(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``switchboard serve --demo`` (uvicorn) on a free loopback port."""
    log_path = tmp_path_factory.mktemp("switchboard") / "serve.log"
    env = {"SWITCHBOARD_FEDERATION": "true"}
    with served("serve", "--demo", env=env, timeout=30, log_path=log_path) as server:
        yield f"{server.url}/graphql"


def last_json_line(stdout: str) -> dict[str, object]:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            data: dict[str, object] = json.loads(line)
            return data
    raise AssertionError(f"no JSON summary on stdout:\n{stdout[-2000:]}")
