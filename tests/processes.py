"""Real processes for tests: a free loopback port, and a ``switchboard`` child serving on one."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

SWITCHBOARD = Path(sys.executable).with_name("switchboard")


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """Everything the process has written (stdout and stderr) so far."""
        return self.log_path.read_text(errors="replace")

    def stop(self) -> str:
        """Stop the process (SIGTERM, SIGKILL after 10 s) and return everything it logged."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.log()


@contextlib.contextmanager
def served(
    *args: str,
    env: Mapping[str, str | None] | None = None,
    ready: str = "/healthz",
    timeout: float = 20,
    log_path: Path | None = None,
) -> Iterator[Served]:
    """Run ``switchboard *args --port <free port>`` until the block ends.

    ``env`` is laid over this process's environment (a ``None`` value removes the name);
    output goes to ``log_path`` (a new temporary file by default). Yields once ``ready``
    answers 200, fails the test with the end of the log if it never does.
    """
    port = free_port()
    child_env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name, value in (env or {}).items():
        if value is None:
            child_env.pop(name, None)
        else:
            child_env[name] = value
    if log_path is None:
        log_path = Path(tempfile.mkdtemp(prefix="switchboard-")) / "server.log"
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [str(SWITCHBOARD), *args, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=child_env,
        )
    server = Served(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        _wait_ready(server, ready, args, timeout)
        yield server
    finally:
        server.stop()


def _wait_ready(server: Served, path: str, args: tuple[str, ...], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            problem = f"exited with {server.proc.returncode}"
            break
        try:
            if httpx.get(server.url + path, timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    else:
        problem = f"did not answer 200 on {path} within {timeout:g} s"
    pytest.fail(f"switchboard {' '.join(args)} {problem}:\n{server.log()[-3000:]}")


# What Apollo Client and urql send: the GraphQL-over-HTTP media type first. Test clients
# use it so request errors answer 4xx; tests of the legacy application/json rules say so.
CLIENT_HEADERS = {"accept": "application/graphql-response+json, application/json;q=0.9"}
