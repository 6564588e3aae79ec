"""`switchboard serve --demo` (what `make run` starts) answers over a real socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    port = free_port()
    cli = Path(sys.executable).with_name("switchboard")
    proc = subprocess.Popen(
        [str(cli), "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("switchboard serve --demo did not come up")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_post_graphql_lists_numbers_of_each_provider(served: str) -> None:
    query = """{ providers { name }
      phoneNumbers(first: 5, filter: {providers: [TELI]}) { nodes { provider number } } }"""
    response = httpx.post(f"{served}/graphql", json={"query": query}, timeout=10)
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data["providers"]) == 5
    assert {n["provider"] for n in data["phoneNumbers"]["nodes"]} == {"TELI"}


def test_browser_gets_graphiql(served: str) -> None:
    response = httpx.get(f"{served}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
