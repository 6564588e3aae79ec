"""`switchboard serve --demo` (what `make run` starts) answers over a real socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gateway.model import PROVIDER_ORDER
from tests.processes import served as serve


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with serve("serve", "--demo") as server:
        yield server.url


def test_post_graphql_lists_numbers_of_each_provider(served: str) -> None:
    query = """{ providers { name }
      phoneNumbers(first: 5, filter: {providers: [TELI]}) { nodes { provider number } } }"""
    response = httpx.post(f"{served}/graphql", json={"query": query}, timeout=10)
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data["providers"]) == len(PROVIDER_ORDER)
    assert {n["provider"] for n in data["phoneNumbers"]["nodes"]} == {"TELI"}


def test_browser_gets_graphiql(served: str) -> None:
    response = httpx.get(f"{served}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
