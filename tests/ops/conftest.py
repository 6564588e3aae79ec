"""Harness for the operations tests: the demo gateway over ASGI, with its logs captured."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.config import Settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import PROVIDER_ORDER, ProviderName
from gateway.observability.logging import JsonFormatter
from tests.processes import CLIENT_HEADERS

DEMO_KEY = EmulatorConfig().api_key  # "demo-key": must never reach a log line


class RecordingTransport(httpx.AsyncBaseTransport):
    """The emulator's transport, remembering the headers of every request it carried."""

    def __init__(self, inner: httpx.AsyncBaseTransport, seen: list[httpx.Headers]) -> None:
        self.inner = inner
        self.seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.headers.copy())
        return await self.inner.handle_async_request(request)


@dataclass
class OpsGateway:
    app: Starlette
    client: httpx.AsyncClient
    emulators: dict[ProviderName, Starlette]
    upstream_headers: list[httpx.Headers] = field(default_factory=list)

    async def metrics(self) -> str:
        response = await self.client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        return response.text


@contextlib.asynccontextmanager
async def open_ops_gateway(**settings: Any) -> AsyncIterator[OpsGateway]:
    emulators = {name: create_emulator(name, EmulatorConfig()) for name in PROVIDER_ORDER}
    seen: list[httpx.Headers] = []
    transports: dict[ProviderName, httpx.AsyncBaseTransport] = {
        name: RecordingTransport(httpx.ASGITransport(app=app), seen)
        for name, app in emulators.items()
    }
    # These tests watch upstream calls and page-cache metrics: whole-response caching
    # (on by default in demo mode) is tested on its own, in tests/e2e/test_response_cache.py.
    settings.setdefault("response_cache", False)
    app = create_app(Settings(demo=True, **settings), transports=transports)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw", headers=CLIENT_HEADERS
        ) as client,
    ):
        yield OpsGateway(app, client, emulators, seen)


# The shared page cache off: every request here must reach the emulators.
NO_CACHE: dict[str, Any] = {"cache_max_entries": 0}


@pytest.fixture
async def ops() -> AsyncIterator[OpsGateway]:
    async with open_ops_gateway(**NO_CACHE) as gw:
        yield gw


@dataclass
class Logs:
    stream: io.StringIO

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def json_logs() -> Iterator[Logs]:
    """Every log record, at DEBUG, through the production JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield Logs(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
