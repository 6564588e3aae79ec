"""Fixtures for the Node-based federation checks: node, the npm packages, a live Switchboard.

The npm packages come from tests/federation/package-lock.json (``make test`` runs
``npm ci``); nothing is downloaded here. Only a missing ``node`` skips these tests.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.node import last_json_line, node_fixture
from tests.node import run_node as node_run
from tests.processes import served

__all__ = ["HERE", "ROOT", "last_json_line", "run_node"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
NODE_MODULES = HERE / "node_modules"


node = node_fixture(HERE, "the federation and Relay checks")
# The node scripts of this folder run from it unless told otherwise.
run_node = functools.partial(node_run, cwd=HERE)


@pytest.fixture(scope="session")
def switchboard(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: ARG001 (asked for its skip where Node is missing)
    """A real ``switchboard serve --demo`` (uvicorn) on a free loopback port."""
    log_path = tmp_path_factory.mktemp("switchboard") / "serve.log"
    env = {"SWITCHBOARD_FEDERATION": "true"}
    with served("serve", "--demo", env=env, timeout=30, log_path=log_path) as server:
        yield f"{server.url}/graphql"
