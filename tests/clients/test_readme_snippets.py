"""The README's "Use it from a frontend" snippets are the files of tests/clients/snippets/,
and each of them runs, as it is, against the keyed gateway of the client suite (with
``SWITCHBOARD_KEY``) and against ``switchboard serve --demo`` (without, as after ``make
run``): every snippet prints the same first page a plain POST of ClientsPageQuery
(operations.graphql) returns.

A snippet in the README that no test runs goes stale the first time a client library
changes its API; here the README block must equal the file byte for byte (the test says
which to copy where), and the file is executed with the real client from package-lock.json.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.node import node_env
from tests.processes import served

from .conftest import HERE, ROOT, Gateway
from .scenario import compile_relay, operations

SNIPPETS = HERE / "snippets"
README = ROOT / "README.md"
# A snippet in the README: an HTML comment naming its file, then a fenced code block.
BLOCK = re.compile(r"<!-- (tests/clients/snippets/[\w.-]+) -->\n```\w*\n(.*?)```\n", re.DOTALL)
NODE_SNIPPETS = ("apollo.mjs", "urql.mjs", "graphql-request.mjs", "relay.mjs")


def readme_blocks() -> dict[str, str]:
    return {path: text for path, text in BLOCK.findall(README.read_text())}


def test_the_readme_shows_every_snippet_as_it_is_tested() -> None:
    blocks = readme_blocks()
    files = sorted(p.name for p in SNIPPETS.iterdir() if p.suffix in {".mjs", ".py"})
    assert sorted(Path(p).name for p in blocks) == files, "README and snippets/ differ in files"
    for path, text in blocks.items():
        assert text == (ROOT / path).read_text(), f"copy {path} into the README's block for it"


@pytest.fixture(scope="module")
def demo_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """``switchboard serve --demo``: what a newcomer has after ``make run``; no key."""
    log_path = tmp_path_factory.mktemp("demo") / "server.log"
    env = {"SWITCHBOARD_LOG_LEVEL": "WARNING"}
    with served("serve", "--demo", env=env, ready="/readyz", log_path=log_path) as server:
        yield Gateway(f"{server.url}/graphql", {}, server)


@pytest.fixture(params=["keyed", "demo"])
def target(request: pytest.FixtureRequest) -> Gateway:
    gateway: Gateway = request.getfixturevalue(f"{request.param}_gateway")
    return gateway


def page(data: dict[str, Any]) -> dict[str, Any]:
    """The page without what legitimately differs between two reads of it: the
    ``__typename`` normalized caches add, and the cursor (signed with its issue time)."""
    connection = data["phoneNumbers"]
    assert isinstance(connection["pageInfo"]["endCursor"], str)
    return {
        "nodes": [{k: n[k] for k in ("id", "number", "provider")} for n in connection["nodes"]],
        "hasNextPage": connection["pageInfo"]["hasNextPage"],
    }


def expected_page(gateway: Gateway) -> dict[str, Any]:
    body = gateway.post(operations()["ClientsPageQuery"], first=3)
    assert "errors" not in body, body
    assert len(body["data"]["phoneNumbers"]["nodes"]) == 3
    return page(body["data"])


def run_snippet(command: list[str], cwd: Path, gateway: Gateway) -> dict[str, Any]:
    env = {**node_env(), "SWITCHBOARD_URL": gateway.url}
    env.pop("SWITCHBOARD_KEY", None)
    if "X-API-Key" in gateway.headers:
        env["SWITCHBOARD_KEY"] = gateway.headers["X-API-Key"]
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    printed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return printed


@pytest.mark.parametrize("snippet", NODE_SNIPPETS)
def test_node_snippet_runs(snippet: str, node: str, target: Gateway, tmp_path: Path) -> None:
    cwd = SNIPPETS
    if snippet == "relay.mjs":
        # Relay runs compiled artifacts: the snippet sits beside relay-compiler's output,
        # with the suite's node_modules, as it would in an app.
        compile_relay(node, tmp_path)
        shutil.copy(SNIPPETS / snippet, tmp_path / snippet)
        (tmp_path / "node_modules").symlink_to(HERE / "node_modules")
        cwd = tmp_path
    assert page(run_snippet([node, snippet], cwd, target)) == expected_page(target)


def test_python_gql_snippet_runs(target: Gateway) -> None:
    printed = run_snippet([sys.executable, "gql_client.py"], SNIPPETS, target)
    assert page(printed) == expected_page(target)
