"""`switchboard serve --workers N`: one listener whose connections get TCP_NODELAY, N
supervised worker processes, SIGTERM stops them all."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from pathlib import Path

import httpx

from gateway.serving import bind_listener
from tests.processes import served


async def test_accepted_connections_have_nagle_off() -> None:
    """The root cause of uvicorn's 40 ms keep-alive stall: a listener bound with protocol
    0 hands the event loop sockets on which it does not set TCP_NODELAY."""
    sock = bind_listener("127.0.0.1", 0)
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted = transport.get_extra_info("socket")
            seen.append(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    loop = asyncio.get_running_loop()
    server = await loop.create_server(Probe, sock=sock)
    try:
        port = sock.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
    finally:
        server.close()
    assert sock.proto == socket.IPPROTO_TCP
    assert seen
    assert seen[0] != 0


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _wait(check: object, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_two_workers_serve_and_a_dead_one_is_replaced(tmp_path: Path) -> None:
    with served("serve", "--demo", "--workers", "2", log_path=tmp_path / "serve.log") as srv:
        pid = srv.proc.pid
        assert _wait(lambda: len(_children(pid)) == 2), srv.log()[-2000:]
        with httpx.Client(base_url=srv.url, trust_env=False, timeout=10) as client:
            for _ in range(10):
                r = client.post("/graphql", json={"query": "{ providers { name } }"})
                assert r.status_code == 200
                assert r.json()["data"]["providers"]
        victim = min(_children(pid))
        time.sleep(5.5)  # older than the start-up guard, so it is replaced, not fatal
        os.kill(victim, signal.SIGKILL)
        assert _wait(lambda: victim not in _children(pid) and len(_children(pid)) == 2)
        r = httpx.post(
            f"{srv.url}/graphql", json={"query": "{ providers { name } }"}, trust_env=False
        )
        assert r.status_code == 200
        workers = _children(pid)
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(timeout=20) == 0
        assert all(not Path(f"/proc/{w}").exists() for w in workers)
