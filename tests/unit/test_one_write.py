"""gateway/one_write.py: a response's writes leave together, and HTTP stays intact.

The transport is tested over a recording stand-in, then the protocol under a real uvicorn
server on a socket: keep-alive, pipelining, a streamed body larger than the flush
threshold, and ``Connection: close``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway.one_write import FLUSH_AT, OneWriteHttpToolsProtocol, OneWriteTransport


class Recording:
    """The calls a transport receives."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def writelines(self, data: list[bytes]) -> None:
        self.calls.append(("writelines", list(data)))

    def close(self) -> None:
        self.calls.append(("close", None))
        self.closing = True

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def _over(recording: Recording) -> OneWriteTransport:
    return OneWriteTransport(recording, asyncio.get_running_loop())  # type: ignore[arg-type]


async def test_writes_in_one_step_leave_as_one_when_the_step_ends() -> None:
    recording = Recording()
    transport = _over(recording)
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"body")
    assert recording.calls == []
    await asyncio.sleep(0)
    assert recording.calls == [("writelines", [b"HTTP/1.1 200 OK\r\n\r\n", b"body"])]
    transport.write(b"next")
    await asyncio.sleep(0)
    assert recording.calls[-1] == ("write", b"next")


async def test_a_large_write_goes_at_once_and_close_sends_what_is_kept() -> None:
    recording = Recording()
    transport = _over(recording)
    transport.write(b"head")
    transport.write(b"x" * FLUSH_AT)
    assert recording.calls == [("writelines", [b"head", b"x" * FLUSH_AT])]
    transport.write(b"tail")
    transport.close()
    assert recording.calls[1:] == [("write", b"tail"), ("close", None)]
    await asyncio.sleep(0)  # the step's flush finds nothing left
    assert len(recording.calls) == 3


async def test_nothing_is_written_once_the_connection_is_closing() -> None:
    recording = Recording()
    transport = _over(recording)
    transport.write(b"late")
    recording.closing = True  # the peer went away within the step
    await asyncio.sleep(0)
    assert recording.calls == []
    assert transport.get_extra_info("peername") == "info:peername"


async def _stream() -> AsyncIterator[bytes]:
    for i in range(64):
        yield bytes([65 + i % 26]) * 16384  # 1 MiB in all, 16 times FLUSH_AT
        if i % 8 == 0:
            await asyncio.sleep(0)


def _app() -> Starlette:
    async def small(request: Request) -> Response:
        return PlainTextResponse(f"hello {request.query_params.get('n', '')}")

    async def streamed(_request: Request) -> Response:
        return StreamingResponse(_stream(), media_type="application/octet-stream")

    return Starlette(routes=[Route("/small", small), Route("/stream", streamed)])


@contextlib.asynccontextmanager
async def _served() -> AsyncIterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(_app(), http=OneWriteHttpToolsProtocol, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await task


async def _response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return head, body
            body += chunk[:-2]
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    return head, await reader.readexactly(length)


async def test_keep_alive_pipelining_streaming_and_close_over_a_real_server() -> None:
    async with _served() as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # Two pipelined requests, then a streamed one, on one connection.
        writer.write(
            b"GET /small?n=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /small?n=2 HTTP/1.1\r\nHost: t\r\n\r\n"
        )
        writer.write(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        first, second = await _response(reader), await _response(reader)
        assert first[0].startswith(b"HTTP/1.1 200")
        assert first[1] == b"hello 1"
        assert second[1] == b"hello 2"
        head, body = await _response(reader)
        assert head.startswith(b"HTTP/1.1 200")
        assert body == b"".join(bytes([65 + i % 26]) * 16384 for i in range(64))
        # Connection: close: the whole response arrives, then the end of the stream.
        writer.write(b"GET /small?n=3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        _, last = await _response(reader)
        assert last == b"hello 3"
        assert await reader.read() == b""
        writer.close()
