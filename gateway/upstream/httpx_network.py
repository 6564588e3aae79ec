"""An httpx transport as the network under the layers: the stack's edge to httpx.

Tests (``httpx.MockTransport``), demo mode (``httpx.ASGITransport`` over the built-in
emulators), the benchmark's recorder and proxies (httpx's own transport) hand the client
an ``httpx.AsyncBaseTransport``; this hop makes each attempt the ``httpx.Request`` an
``httpx.AsyncClient`` would have sent and reads the whole (decoded) body of its answer.
"""

from __future__ import annotations

import httpx

from .wire import Answer, Attempt


class HttpxNetwork:
    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self.transport = transport

    async def send(self, attempt: Attempt) -> Answer:
        request = httpx.Request(
            attempt.method,
            attempt.url,
            headers=attempt.headers,  # httpx puts Host and a bodiless write's length first
            content=attempt.body or None,
            extensions={"timeout": attempt.timeout.as_dict()},
        )
        response = await self.transport.handle_async_request(request)
        try:
            body = await response.aread()
        finally:
            await response.aclose()
        return Answer(response.status_code, response.headers.raw, body)

    async def aclose(self) -> None:
        await self.transport.aclose()
