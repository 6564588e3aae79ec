"""Fixtures for the client and audit checks: node, the npm packages, real gateways on loopback.

The npm packages come from tests/clients/package-lock.json (``make test`` runs ``npm ci``);
nothing is downloaded here. Only a missing ``node`` skips these tests.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.node import last_json_line, node_fixture
from tests.node import run_node as node_run
from tests.processes import Served
from tests.stack import Tenant, emulator_stack, gateway

__all__ = ["APP_ORIGIN", "HERE", "Gateway", "last_json_line", "run_node"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NODE_MODULES = HERE / "node_modules"

GATEWAY_KEY = "gw-key-clients-0001"
# The browser origin the keyed gateway allows (its CORS preflights are checked too).
APP_ORIGIN = "http://app.clients.test"
# The providers of the keyed gateway's one tenant: Burki links numbers, Teli pages its own way.
PROVIDERS = ["burki", "teli"]
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


node = node_fixture(HERE, "the client and audit checks")
# The node scripts of this folder run from it unless told otherwise.
run_node = functools.partial(node_run, cwd=HERE)


@pytest.fixture(scope="session")
def keyed_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """``switchboard serve`` with tenants and API keys over ``switchboard emulate`` processes."""
    tmp = tmp_path_factory.mktemp("keyed")
    tenants = {"acme": Tenant({GATEWAY_KEY: False}, PROVIDERS)}
    with (
        emulator_stack(tmp, PROVIDERS, numbers=EMULATED_NUMBERS) as stack,
        gateway(stack, tenants, {"cors_origins": [APP_ORIGIN]}) as server,
    ):
        yield Gateway(f"{server.url}/graphql", {"X-API-Key": GATEWAY_KEY}, server)
