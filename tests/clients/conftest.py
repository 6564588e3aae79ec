"""Fixtures for the client and audit checks: node, the npm packages, real gateways on loopback.

The npm packages come from tests/clients/package-lock.json (``make test`` runs ``npm ci``);
nothing is downloaded here. Only a missing ``node`` skips these tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.emulators.common import CONTROL_PREFIX, EmulatorConfig
from gateway.security.tenants import hash_key
from tests.processes import Served, served

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NODE_MODULES = HERE / "node_modules"

GATEWAY_KEY = "gw-key-clients-0001"
# The browser origin the keyed gateway allows (its CORS preflights are checked too).
APP_ORIGIN = "http://app.clients.test"
# The providers of the keyed gateway's one tenant: Burki links numbers, Teli pages its own way.
UPSTREAM_KEYS = {"burki": "upstream-burki-clients", "teli": "upstream-teli-clients"}
EMULATED_NUMBERS = 12


@dataclass(frozen=True)
class Gateway:
    """A served gateway: its GraphQL URL, the headers a caller sends, and its process."""

    url: str
    headers: dict[str, str]
    server: Served

    def post(self, query: str, **variables: Any) -> dict[str, Any]:
        """One JSON POST with the caller's headers; the decoded body."""
        response = httpx.post(
            self.url,
            json={"query": query, "variables": variables},
            headers=self.headers,
            timeout=10,
            trust_env=False,
        )
        body: dict[str, Any] = response.json()
        return body


def node_env() -> dict[str, str]:
    """Loopback only: no proxy, no Apollo telemetry."""
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
        pytest.skip("node is not installed: the client and audit checks need Node 20+")
    if not (NODE_MODULES / ".package-lock.json").exists():
        pytest.fail(
            "tests/clients/node_modules is missing: run `make test` (it runs "
            "`npm ci` in tests/clients) or `cd tests/clients && npm ci`"
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


def keyed_config(path: Path, upstreams: dict[str, str]) -> Path:
    """One tenant with one gateway key, its providers at the emulators' loopback URLs."""
    teli = EmulatorConfig()
    ids = {"teli": f'organization_id = "{teli.organization_id}"\nuser_id = "{teli.user_id}"\n'}
    lines = [
        "[security]",
        f'cors_origins = ["{APP_ORIGIN}"]',
        "",
        "[tenants.acme]",
        f'keys = [{{ sha256 = "{hash_key(GATEWAY_KEY)}" }}]',
        "",
    ]
    for name, url in upstreams.items():
        lines += [
            f"[tenants.acme.providers.{name}]",
            f'base_url = "{url}"',
            f'api_key_env = "CLIENTS_{name.upper()}_KEY"',
            ids.get(name, ""),
        ]
    path.write_text("\n".join(lines))
    return path


@pytest.fixture(scope="session")
def keyed_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """``switchboard serve`` with tenants and API keys over ``switchboard emulate`` processes."""
    tmp = tmp_path_factory.mktemp("keyed")
    with contextlib.ExitStack() as stack:
        upstreams: dict[str, str] = {}
        for name, key in UPSTREAM_KEYS.items():
            emulator = stack.enter_context(
                served(
                    "emulate",
                    name,
                    "--api-key",
                    key,
                    "--numbers",
                    str(EMULATED_NUMBERS),
                    ready=f"{CONTROL_PREFIX}/stats",
                    log_path=tmp / f"{name}.log",
                )
            )
            upstreams[name] = emulator.url
        config = keyed_config(tmp / "switchboard.toml", upstreams)
        env = {f"CLIENTS_{name.upper()}_KEY": key for name, key in UPSTREAM_KEYS.items()}
        server = stack.enter_context(
            served("serve", "--config", str(config), env=env, log_path=tmp / "serve.log")
        )
        yield Gateway(f"{server.url}/graphql", {"X-API-Key": GATEWAY_KEY}, server)
