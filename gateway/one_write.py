"""One write per response: uvicorn's head and body leave in a single send.

uvicorn writes a response's status line and headers, then its body, as two transport
writes: two system calls and two TCP segments for every response. On the response-cache
path the two sends were a quarter of the CPU (py-spy). The protocol here hands uvicorn a
transport that keeps what is written within one step of the event loop and sends it
together when the step ends (``call_soon``). Past ``FLUSH_AT`` bytes it sends at once, so
a streamed response still meets the real transport's flow control (its high-water mark
pauses the writer as before).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

FLUSH_AT = 64 * 1024


class OneWriteTransport:
    """A transport whose writes within one loop step go out as one."""

    __slots__ = ("_kept", "_loop", "_size", "_transport")

    def __init__(self, transport: asyncio.WriteTransport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._kept: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        kept = self._kept
        if not kept:
            self._loop.call_soon(self.flush)
        kept.append(data)
        self._size += len(data)
        if self._size >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        """Send what is kept; nothing once the connection is closing (the peer left)."""
        kept = self._kept
        if not kept:
            return
        self._kept = []
        self._size = 0
        transport = self._transport
        if transport.is_closing():
            return
        if len(kept) == 1:
            transport.write(kept[0])
        else:
            transport.writelines(kept)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing through a :class:`OneWriteTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        # Duck-typed: uvicorn only writes, closes and asks for extra info through it.
        super().connection_made(OneWriteTransport(transport, self.loop))  # type: ignore[arg-type]
