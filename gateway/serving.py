"""Serving on more than one core: one listening socket, N worker processes.

The parent binds the socket itself, with ``IPPROTO_TCP`` as its protocol: accepted
connections inherit it, and the event loop only turns Nagle's algorithm off
(``TCP_NODELAY``) on sockets that say they are TCP. uvicorn's own multi-worker path binds
with protocol 0, so every keep-alive request after the first waits on the peer's delayed
ACK, about 40 ms on Linux (uvicorn issue 3149). Each worker is forked before it builds
its app, so no event loop, client or connection is shared between processes; a worker
that dies is replaced, and SIGHUP (reload) and SIGTERM are passed on to every worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("switchboard.serving")

# A worker that dies sooner than this after its start is not restarted in a loop.
MIN_WORKER_LIFETIME_SECONDS = 5.0


def bind_listener(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket whose accepted connections get TCP_NODELAY."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def run_workers(sock: socket.socket, workers: int, serve: Callable[[socket.socket], Any]) -> int:
    """Fork ``workers`` processes that each call ``serve(sock)``; supervise until SIGTERM
    or SIGINT, then stop them all. Returns the exit status for the command line."""
    children: dict[int, float] = {}
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # the worker: default signal handling, then serve until told to stop
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
                signal.signal(sig, signal.SIG_DFL)
            # Until a reloadable app installs its own handler, a SIGHUP must not kill it.
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            code = 0
            try:
                serve(sock)
            except BaseException:
                log.exception("worker %d failed", os.getpid())
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
        children[pid] = time.monotonic()

    def forward(sig: int, _frame: Any) -> None:
        nonlocal stopping
        if sig in (signal.SIGTERM, signal.SIGINT):
            stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    for _ in range(workers):
        spawn()
    status = 0
    while children:
        try:
            pid, code = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        started = children.pop(pid, None)
        if started is None or stopping:
            continue
        if time.monotonic() - started < MIN_WORKER_LIFETIME_SECONDS:
            log.error("worker %d exited at start-up (%d): stopping", pid, code)
            stopping = True
            status = 1
            forward(signal.SIGTERM, None)
            continue
        log.warning("worker %d exited (%d): starting another", pid, code)
        spawn()
    sock.close()
    return status


def serve(
    build: Callable[[], Any],
    host: str,
    port: int,
    workers: int = 1,
    *,
    tune_gc: bool = True,
    **uvicorn_options: Any,
) -> int:
    """Serve the app ``build()`` makes, the way ``switchboard serve`` does (the bench runs
    this too): one process, or ``workers`` forked ones on a listener bound here; in each,
    the collector tuned for the heap start-up left (gateway/collector.py), and uvicorn's
    protocol sending each response in one write (gateway/one_write.py)."""
    import uvicorn

    from .collector import tune_for_serving
    from .one_write import OneWriteHttpToolsProtocol

    uvicorn_options.setdefault("http", OneWriteHttpToolsProtocol)  # head and body, one send

    def prepared() -> Any:
        app = build()
        if tune_gc:
            tune_for_serving()
        return app

    if workers <= 1:
        uvicorn.run(prepared(), host=host, port=port, **uvicorn_options)
        return 0

    def worker(sock: socket.socket) -> None:
        uvicorn.Server(uvicorn.Config(prepared(), **uvicorn_options)).run(sockets=[sock])

    return run_workers(bind_listener(host, port), workers, worker)
