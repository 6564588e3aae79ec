"""A request leaves no reference cycle behind: what it built goes with its last reference.

Cycles wait for the collector, and a collection of a few thousand requests' worth took
13 ms at a time (BENCHMARKS.md). The executor's resolver helpers and the loaders' batch
functions were such cycles; here every gateway object a query made is freed without one.
Upstreams are the in-process demo emulators, whose own objects are not counted.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.app import create_app
from gateway.config import Settings

QUERY = (
    "query Numbers { phoneNumbers(first: 30) { edges { cursor node { id number"
    " assistant { name phoneNumbers(first: 2) { nodes { number } } } } }"
    " pageInfo { hasNextPage } totalCount } }"
)


@pytest.fixture
def saved_garbage() -> Iterator[list[Any]]:
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


async def _post(app: Any, query: str) -> dict[str, Any]:
    body = json.dumps({"query": query}).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"g"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    await asyncio.sleep(0)  # the request's contexts are released in the next step
    assert sent[0]["status"] == 200
    answer: dict[str, Any] = json.loads(sent[1]["body"])
    return answer


def _ours(garbage: list[Any]) -> list[str]:
    names = []
    for obj in garbage:
        module = type(obj).__module__
        if module.startswith(("gateway.", "graphql.execution", "aiodataloader")) and not (
            module.startswith("gateway.emulators")
        ):
            names.append(f"{module}.{type(obj).__qualname__}")
    return sorted(set(names))


async def test_a_query_leaves_no_cycle_of_gateway_objects(saved_garbage: list[Any]) -> None:
    app = create_app(Settings(demo=True, response_cache=False))
    async with app.router.lifespan_context(app):
        for _ in range(3):  # the first builds what lives as long as the app
            answer = await _post(app, QUERY)
            assert "errors" not in answer
        gc.collect()
        saved_garbage.clear()
        for _ in range(3):
            await _post(app, QUERY)
        gc.collect()
        assert _ours(saved_garbage) == []
