"""A small closed-loop HTTP/1.1 load generator (asyncio streams, keep-alive).

``concurrency`` connections each send the same POST back to back for ``duration``
seconds; every response is read in full (Content-Length framed) and its status checked.
It avoids httpx on purpose: on a small machine the generator shares the CPUs with the
gateway and the emulators, so it has to be cheap per request.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    concurrency: int
    duration: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.duration if self.duration else 0.0


def _request(host: str, port: int, path: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Content-Type: application/json\r\nAccept: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise RuntimeError("response without Content-Length")
    await reader.readexactly(length)
    return status


async def run_load(
    url: str, body: bytes, *, concurrency: int, duration: float, max_requests: int | None = None
) -> LoadResult:
    """Closed loop at fixed concurrency; stops after ``duration`` s or ``max_requests``."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    payload = _request(host, port, parts.path or "/", body)
    result = LoadResult(concurrency=concurrency, duration=duration)
    start = time.perf_counter()
    deadline = start + duration
    sent = 0

    async def worker() -> None:
        nonlocal sent
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                if max_requests is not None:
                    if sent >= max_requests:
                        return
                    sent += 1
                t0 = time.perf_counter()
                writer.write(payload)
                status = await _read_response(reader)
                if status == 200:
                    result.latencies.append(time.perf_counter() - t0)
                else:
                    result.errors += 1
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.duration = time.perf_counter() - start
    return result
