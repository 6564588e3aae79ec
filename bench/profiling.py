"""Where the gateway's CPU goes: cProfile of a real uvicorn gateway process under load.

The profiler slows Python calls down, so the shares matter, not the absolute times; the
per-request CPU cost is measured separately without the profiler.
"""

from __future__ import annotations

import json
import pstats
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import queries
from .launcher import Cluster, cpu_seconds
from .loadgen import run_load
from .report import Report

if TYPE_CHECKING:
    from .scenarios import Options

# (substring of the code's file name, bucket), first match wins.
BUCKETS: tuple[tuple[str, str], ...] = (
    ("/gateway/emulators/", "emulators (in-process upstreams, demo mode)"),
    ("/gateway/observability/", "gateway: observability (metrics, logs, request ids)"),
    ("/gateway/resilience/", "gateway: resilience (cache, coalescing, breaker, deadline)"),
    ("/gateway/security/", "gateway: security (query limits, tenants, APQ)"),
    ("/gateway/upstream.py", "gateway: upstream client"),
    ("/gateway/providers/", "gateway: provider adapters (parse upstream JSON)"),
    ("/gateway/schema/", "gateway: resolvers"),
    ("/gateway/", "gateway: other (pagination, loaders, cursors, app)"),
    ("/strawberry/", "strawberry"),
    ("/graphql/", "graphql-core (parse, validate, execute)"),
    ("/httpx/", "httpx + httpcore (upstream HTTP)"),
    ("/httpcore/", "httpx + httpcore (upstream HTTP)"),
    ("/h11/", "h11 + uvicorn + starlette (serving HTTP)"),
    ("/uvicorn/", "h11 + uvicorn + starlette (serving HTTP)"),
    ("/starlette/", "h11 + uvicorn + starlette (serving HTTP)"),
    ("/anyio/", "asyncio + anyio (event loop)"),
    ("/asyncio/", "asyncio + anyio (event loop)"),
    ("/pydantic", "pydantic"),
    ("/prometheus_client/", "prometheus_client (metrics)"),
    ("/json/", "json"),
)


def _bucket(filename: str, name: str) -> str:
    for needle, bucket in BUCKETS:
        if needle in filename:
            return bucket
    if filename == "~":  # a C function: name it by what it is
        if "socket" in name or "select" in name or "epoll" in name:
            return "C: sockets and epoll"
        if "json" in name or "Scanner" in name or "encode" in name:
            return "json"
        return "C: other built-ins"
    return "other Python"


# Phases of a request by cumulative time: (label, file name ends with, function name).
PHASES: tuple[tuple[str, str, str], ...] = (
    ("parse the query (graphql-core)", "graphql/language/parser.py", "parse"),
    ("validate the query (graphql-core)", "graphql/validation/validate.py", "validate"),
    ("upstream calls (gateway upstream client)", "gateway/upstream.py", "request_json"),
    ("serialize the response (json.dumps)", "json/__init__.py", "dumps"),
)


def phases(profile: Path) -> list[tuple[str, float, float]]:
    """(label, cumulative seconds, total own seconds) of each request phase in PHASES."""
    stats: dict[Any, Any] = getattr(pstats.Stats(str(profile)), "stats")  # noqa: B009
    total = sum(v[2] for v in stats.values())
    found = []
    for label, suffix, func in PHASES:
        cumulative = sum(
            v[3] for (f, _line, name), v in stats.items() if f.endswith(suffix) and name == func
        )
        found.append((label, cumulative, total))
    return found


def breakdown(profile: Path) -> tuple[list[tuple[str, float]], list[tuple[str, float]], float]:
    """(share by bucket, share of the top functions, total profiled seconds), by own time."""
    stats: dict[Any, Any] = getattr(pstats.Stats(str(profile)), "stats")  # noqa: B009
    buckets: dict[str, float] = defaultdict(float)
    functions: list[tuple[str, float]] = []
    total = 0.0
    for (filename, line, name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        total += tottime
        buckets[_bucket(filename, name)] += tottime
        short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        functions.append((f"{short}:{line} {name}", tottime))
    ranked = sorted(buckets.items(), key=lambda kv: -kv[1])
    functions.sort(key=lambda kv: -kv[1])
    return ranked, functions[:15], total


async def profile(cluster: Cluster, opts: Options, report: Report) -> None:
    report.section("7. Profile: where the gateway's CPU goes (frontend query, cold cache)")
    body = json.dumps(queries.body(queries.FRONTEND)).encode()
    rows: list[list[Any]] = []
    # CPU per request without the profiler, for both cache modes.
    for mode, ttl in (("cold cache", 0.0), ("warm cache", None)):
        server = cluster.start_gateway(workers=1, cache_ttl=ttl)
        url = server.url + "/graphql"
        await run_load(url, body, concurrency=8, duration=min(opts.duration, 2.0))
        before = cpu_seconds(server.pids())
        result = await run_load(url, body, concurrency=8, duration=opts.duration)
        used = cpu_seconds(server.pids()) - before
        n = len(result.latencies)
        rows.append([mode, n, f"{used:.2f}", f"{1e3 * used / n:.1f}" if n else "n/a"])
    cluster.stop_gateway()
    report.table(["gateway (1 worker, c=8)", "requests", "CPU s", "CPU ms per request"], rows)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "gateway.prof"
        server = cluster.start_gateway(workers=1, cache_ttl=0.0, profile=out)
        url = server.url + "/graphql"
        report.progress("profiling the gateway under load")
        await run_load(url, body, concurrency=8, duration=opts.duration * 2)
        cluster.stop_gateway()  # lifespan shutdown writes the profile
        if not out.exists():
            report.note("cProfile wrote no profile (the gateway did not exit cleanly).")
            return
        ranked, top, total = breakdown(out)
        steps = phases(out)
    report.table(
        ["phase (cumulative time, includes what it calls and awaits on the CPU)", "share"],
        [[label, f"{100 * cum / tot:.1f}%"] for label, cum, tot in steps],
    )
    report.table(
        ["bucket (own time)", "share"],
        [[name, f"{100 * t / total:.1f}%"] for name, t in ranked if t / total >= 0.005],
    )
    report.table(
        ["function (own time)", "share"],
        [[f"`{name}`", f"{100 * t / total:.1f}%"] for name, t in top],
    )
    report.note(
        "cProfile of one uvicorn worker (bench/servers.py `Profiled`: from the 51st request "
        f"to shutdown, so start-up is left out) at c=8 for {opts.duration * 2:.0f} s; shares "
        "of the profiled own time. The profiler inflates the cost of Python calls, so trust "
        "the shares, not the seconds."
    )
