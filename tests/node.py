"""Node.js for the tests that run npm packages (federation, Relay, the client suite, the
graphql-http audit): where node is, a loopback-only environment, and running a script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.system_tools import missing


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


def require_node(folder: Path, what: str) -> str:
    """The node binary, with ``folder``'s packages installed (``make test`` runs npm ci);
    only a missing node skips."""
    path = shutil.which("node")
    if path is None:
        pytest.skip(missing("node", what, "install Node.js 20+ with npm, then run `make test`"))
    if not (folder / "node_modules" / ".package-lock.json").exists():
        rel = folder.relative_to(Path(__file__).resolve().parent.parent)
        pytest.fail(
            f"{rel}/node_modules is missing: run `make test` (it runs `npm ci` in {rel}) "
            f"or `cd {rel} && npm ci`"
        )
    return path


def node_fixture(folder: Path, what: str) -> Any:
    """A session fixture ``node`` for a conftest whose npm packages are in ``folder``."""

    @pytest.fixture(scope="session")
    def node() -> str:
        return require_node(folder, what)

    return node


def run_node(
    node: str, *args: str, cwd: Path, timeout: float = 60
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


def last_json_line(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON summary a script prints last; fails with its output if there is none."""
    for line in reversed(result.stdout.strip().splitlines()):
        if line.startswith("{"):
            data: dict[str, Any] = json.loads(line)
            return data
    raise AssertionError(
        f"no JSON summary (exit {result.returncode}):\n{result.stdout[-2000:]}\n"
        f"{result.stderr[-3000:]}"
    )
