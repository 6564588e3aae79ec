"""Start the emulators and the gateway as uvicorn processes on free loopback ports."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from gateway.emulators import EmulatorConfig
from gateway.model import PROVIDER_ORDER, ProviderName

from .servers import API_KEY_ENV, CACHE_TTL_ENV, RESPONSE_CACHE_ENV, UPSTREAMS_ENV

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """One server process; ``url`` is its base URL on loopback."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The process and its children (uvicorn's workers)."""
        found = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        with contextlib.suppress(OSError):
            found += [int(p) for p in children.read_text().split()]
        return found

    def rss_kib(self) -> int:
        """Resident set size of the process and its workers, in KiB."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _spawn(
    name: str, args: list[str], env: dict[str, str] | None = None, root: Path = ROOT
) -> Server:
    """``python -m bench.servers <args>`` from the source tree ``root`` (its own code)."""
    port = free_port()
    cmd = [sys.executable, "-m", "bench.servers", *args, "--port", str(port)]
    full_env = {**os.environ, "PYTHONPATH": str(root), **(env or {})}
    proc = subprocess.Popen(cmd, cwd=root, env=full_env)
    return Server(name, port, proc)


def spawn_switchboard(
    name: str, args: list[str], log: Path, env: dict[str, str] | None = None
) -> Server:
    """``python -m gateway.cli <args> --port N`` (the real ``switchboard`` entry point),
    its output in ``log``; ready once ``/healthz`` answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "gateway.cli", *args, "--port", str(port)]
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(name, port, proc)
    _wait_ready(server, "/healthz")
    return server


def _wait_ready(server: Server, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:  # (a --workers supervisor respawns failed workers)
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}")
        try:
            httpx.get(server.url + path, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{server.name} not ready after {timeout}s")


@dataclass
class Cluster:
    """Five emulators and (optionally) a gateway over them."""

    numbers: int = 40
    assistants: int = 10
    emulators: dict[ProviderName, Server] = field(default_factory=dict)
    gateway: Server | None = None

    @property
    def config(self) -> EmulatorConfig:
        return EmulatorConfig(numbers=self.numbers, assistants=self.assistants)

    def start_emulators(self) -> None:
        for name in PROVIDER_ORDER:
            self.emulators[name] = _spawn(
                f"emulator-{name.value}",
                [
                    "emulator",
                    "--provider",
                    name.value,
                    "--numbers",
                    str(self.numbers),
                    "--assistants",
                    str(self.assistants),
                ],
            )
        for server in self.emulators.values():
            _wait_ready(server, "/__emulator__/stats")

    def upstreams(self) -> dict[str, str]:
        return {name.value: server.url for name, server in self.emulators.items()}

    def start_gateway(
        self,
        workers: int = 1,
        *,
        cache_ttl: float | None = 0.0,
        stock_bind: bool = False,
        profile: Path | None = None,
        response_cache: bool = False,
    ) -> Server:
        """Start the gateway; ``cache_ttl`` 0 disables its page cache, None keeps the default."""
        self.stop_gateway()
        args = ["gateway", "--workers", str(workers), *(["--stock-bind"] if stock_bind else [])]
        if profile is not None:
            args += ["--profile", str(profile)]
        self.gateway = _spawn("gateway", args, self._gateway_env(cache_ttl, response_cache))
        _wait_ready(self.gateway, "/healthz")
        if workers > 1:
            # Ready means the listening socket is up; give every worker time to import.
            deadline = time.monotonic() + 30
            while len(self.gateway.pids()) < workers + 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1.0)
        return self.gateway

    def spawn_gateway(
        self, root: Path, *, cache_ttl: float | None = 0.0, response_cache: bool = False
    ) -> Server:
        """A one-worker gateway from the source tree ``root``, beside any other: for
        comparing versions over these emulators (bench/ab.py). The caller stops it."""
        env = self._gateway_env(cache_ttl, response_cache=response_cache)
        server = _spawn(f"gateway {root}", ["gateway", "--workers", "1"], env, root)
        _wait_ready(server, "/healthz")
        return server

    def _gateway_env(self, cache_ttl: float | None, response_cache: bool) -> dict[str, str]:
        return {
            UPSTREAMS_ENV: json.dumps(self.upstreams()),
            API_KEY_ENV: self.config.api_key,
            CACHE_TTL_ENV: "" if cache_ttl is None else str(cache_ttl),
            RESPONSE_CACHE_ENV: "1" if response_cache else "",
        }

    def start_fixed(self, size: int) -> Server:
        """In the gateway's place, a server answering ``size`` fixed bytes to anything
        (bench/servers.py ``fixed_body_app``): what serving alone costs."""
        self.stop_gateway()
        self.gateway = _spawn("fixed", ["fixed", "--bytes", str(size)])
        _wait_ready(self.gateway, "/")
        return self.gateway

    def stop_gateway(self) -> None:
        if self.gateway is not None:
            self.gateway.stop()
            self.gateway = None

    def stop(self) -> None:
        self.stop_gateway()
        for server in self.emulators.values():
            server.stop()
        self.emulators.clear()


@contextlib.contextmanager
def cluster(numbers: int = 40, assistants: int = 10) -> Iterator[Cluster]:
    c = Cluster(numbers=numbers, assistants=assistants)
    try:
        c.start_emulators()
        yield c
    finally:
        c.stop()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of ``pids`` so far, in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat, for a busy fraction over an interval."""
    try:
        fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)
    return sum(fields) - idle, sum(fields)
