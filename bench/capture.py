"""Record the exact upstream calls the gateway makes for a query, to replay them directly.

The gateway is built in-process over the same emulator processes, each provider's real
socket transport wrapped in one that notes every request. The replay is what "a plain
httpx script" calling the upstreams directly would send for the same data.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from gateway.app import create_app
from gateway.emulators import EmulatorConfig
from gateway.model import ProviderName

from .servers import API_KEY_ENV, gateway_settings


@dataclass(frozen=True)
class Call:
    provider: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class _Recording(httpx.AsyncBaseTransport):
    def __init__(self, provider: str, calls: list[Call]) -> None:
        self.provider = provider
        self.calls = calls
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        skip = {"host", "content-length", "accept-encoding", "connection", "user-agent"}
        headers = tuple((k, v) for k, v in request.headers.items() if k.lower() not in skip)
        self.calls.append(Call(self.provider, request.method, str(request.url), headers, body))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def capture(
    upstreams: dict[str, str], config: EmulatorConfig, query: dict[str, Any]
) -> tuple[list[Call], dict[str, Any]]:
    """The upstream calls (in the order sent) for one GraphQL request, and its response.

    The request is sent twice and the second is recorded: a running gateway knows its
    lists' lengths (gateway/list_lengths.py) and asks only the providers a page reaches,
    so the comparisons replay what it does in steady state, not on its very first page."""
    import os

    os.environ.setdefault(API_KEY_ENV, config.api_key)
    calls: list[Call] = []
    transports: dict[ProviderName, httpx.AsyncBaseTransport] = {
        ProviderName(name): _Recording(name, calls) for name in upstreams
    }
    settings = gateway_settings(upstreams, config, cache_ttl=0.0)
    app = create_app(settings, transports=transports)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway"
    ) as client:
        await client.post("/graphql", json=query)
        calls.clear()
        response = await client.post("/graphql", json=query)
    await app.state.runtime.aclose()
    return calls, response.json()


class DirectClient:
    """A plain httpx script: one pooled client per provider, replaying recorded calls."""

    def __init__(self) -> None:
        self.clients: dict[str, httpx.AsyncClient] = {}

    def _client(self, provider: str) -> httpx.AsyncClient:
        if provider not in self.clients:
            self.clients[provider] = httpx.AsyncClient(timeout=30)
        return self.clients[provider]

    async def call(self, call: Call) -> float:
        """Send one call, read and parse its JSON body; return seconds taken."""
        start = time.perf_counter()
        response = await self._client(call.provider).request(
            call.method, call.url, headers=dict(call.headers), content=call.body or None
        )
        json.loads(response.content)
        response.raise_for_status()
        return time.perf_counter() - start

    async def sequential(self, calls: list[Call]) -> float:
        """Sum of the calls' latencies, one after another."""
        total = 0.0
        for c in calls:
            total += await self.call(c)
        return total

    async def parallel(self, calls: list[Call]) -> float:
        """Wall time with every call in flight at once (a lower bound for any client)."""
        start = time.perf_counter()
        await asyncio.gather(*(self.call(c) for c in calls))
        return time.perf_counter() - start

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()
