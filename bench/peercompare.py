"""The peer gateway: GraphQL Mesh Compose + Hive Gateway over the same emulators.

Mesh builds one REST subgraph per provider from the very upstream requests Switchboard
makes for the overhead query (recorded by :mod:`bench.capture`), with the recorded
responses as JSON samples, and Hive Gateway serves the composed supergraph. The peer
cannot page across providers, normalize records or join numbers to assistants, so the
closest query it runs is one root field per upstream call, selecting the same data
(ids, numbers, assistant ids and names) in each provider's own shape.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from . import queries
from .capture import Call, DirectClient, capture
from .launcher import Cluster, Server, cpu_seconds, free_port
from .loadgen import run_load
from .report import Report, ms, ratio
from .stats import Summary

if TYPE_CHECKING:
    from .scenarios import Options

PEER_DIR = Path(__file__).resolve().parent / "peer"
NODE_BIN = PEER_DIR / "node_modules" / ".bin"
WANTED = {
    "id",
    "name",
    "number",
    "phone_number",
    "phone_number_id",
    "sid",
    "agent_id",
    "agent_name",
    "assigned_agent_id",
}


def unavailable() -> str | None:
    """Why the peer cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    for tool in ("mesh-compose", "hive-gateway"):
        if not (NODE_BIN / tool).exists():
            return f"{NODE_BIN / tool} missing (`make bench` runs `npm ci` in bench/peer)"
    return None


def _merge(sample: Any) -> Any:
    """A list of objects as one object holding every key's first non-null value, so the
    schema Mesh infers from the sample knows every field's type."""
    if isinstance(sample, list):
        items = [x for x in sample if isinstance(x, dict)]
        if not items:
            return sample[:1]
        merged: dict[str, Any] = {}
        for item in items:
            for key, value in item.items():
                if merged.get(key) is None:
                    merged[key] = value
        return [_merge(merged)]
    if isinstance(sample, dict):
        return {k: _merge(v) for k, v in sample.items()}
    return sample


def _selection(sample: Any) -> str:
    """The wanted leaves of ``sample`` (ids, numbers, names) and the objects holding them."""
    if isinstance(sample, list):
        return _selection(sample[0]) if sample else ""
    if not isinstance(sample, dict):
        return ""
    parts = []
    for key, value in sample.items():
        if isinstance(value, dict | list):
            inner = _selection(value)
            if inner:
                parts.append(f"{key} {{ {inner} }}")
        elif key in WANTED and value is not None:
            parts.append(key)
    return " ".join(parts)


def _field_name(call: Call) -> str:
    path = urlsplit(call.url).path
    kind = "numbers" if "number" in path else "assistants"
    name = f"{call.provider}_{kind}"
    if call.provider == "teli" and kind == "numbers":
        name += "_sms" if "/sms/" in path else "_voice"
    return name


def write_config(work: Path, calls: list[Call]) -> str:
    """Write samples and mesh.config.ts into ``work``; return the peer's query."""
    (work / "samples").mkdir(parents=True)
    subgraphs: dict[str, dict[str, Any]] = {}
    fields = []
    for call in calls:
        parts = urlsplit(call.url)
        name = _field_name(call)
        # A read may be a POST with a JSON body (Retell lists agents so): Mesh sends the
        # same body as the operation's fixed request body.
        replayed = httpx.request(
            call.method, call.url, headers=dict(call.headers), content=call.body
        )
        sample = _merge(replayed.json())
        (work / "samples" / f"{name}.json").write_text(json.dumps(sample))
        headers = {k: v for k, v in call.headers if k.lower() != "x-request-id"}
        sub = subgraphs.setdefault(
            call.provider,
            {"endpoint": f"{parts.scheme}://{parts.netloc}", "headers": headers, "ops": []},
        )
        op: dict[str, Any] = {
            "type": "Query",
            "field": name,
            "path": parts.path + (f"?{parts.query}" if parts.query else ""),
            "method": call.method,
            "responseSample": f"./samples/{name}.json",
            "responseTypeName": name.title().replace("_", ""),
        }
        if call.body:
            op["requestBaseBody"] = json.loads(call.body)
        sub["ops"].append(op)
        fields.append(f"{name} {{ {_selection(sample)} }}")
    lines = [
        "import { createPrefixTransform, defineConfig } from '@graphql-mesh/compose-cli'",
        "import { loadJSONSchemaSubgraph } from '@omnigraph/json-schema'",
        "",
        "export const composeConfig = defineConfig({",
        "  subgraphs: [",
    ]
    for provider, sub in subgraphs.items():
        options = {
            "endpoint": sub["endpoint"],
            "operationHeaders": sub["headers"],
            "operations": sub["ops"],
        }
        prefix = json.dumps(provider.title() + "_")
        lines += [
            "    {",
            f"      sourceHandler: loadJSONSchemaSubgraph({json.dumps(provider)}, "
            f"{json.dumps(options)}),",
            f"      transforms: [createPrefixTransform({{ value: {prefix}, "
            "includeRootOperations: false })],",
            "    },",
        ]
    lines += ["  ],", "})", ""]
    (work / "mesh.config.ts").write_text("\n".join(lines))
    return "{ " + " ".join(fields) + " }"


def start_peer(work: Path) -> Server:
    """Compose the supergraph and start Hive Gateway on a free loopback port."""
    subprocess.run(
        [str(NODE_BIN / "mesh-compose"), "-o", "supergraph.graphql"],
        cwd=work,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            str(NODE_BIN / "hive-gateway"),
            "supergraph",
            "supergraph.graphql",
            *("--host", "127.0.0.1", "--port", str(port)),
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "NODE_ENV": "production"},
    )
    server = Server("hive-gateway", port, proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"hive-gateway exited with {proc.returncode}")
        try:
            httpx.get(server.url + "/healthcheck", timeout=1.0)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("hive-gateway not ready after 60 s")


async def _post(client: httpx.AsyncClient, url: str, query: str) -> float:
    start = time.perf_counter()
    response = await client.post(url, json={"query": query})
    data = response.json()
    elapsed = time.perf_counter() - start
    if response.status_code != 200 or data.get("errors"):
        raise RuntimeError(f"{url}: {response.status_code} {json.dumps(data)[:300]}")
    return elapsed


async def _counts(cluster: Cluster) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        total = 0
        for server in cluster.emulators.values():
            total += int((await client.get(server.url + "/__emulator__/stats")).json()["total"])
            await client.delete(server.url + "/__emulator__/stats")
    return total


async def _faults(cluster: Cluster, latency_ms: float | None) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        for server in cluster.emulators.values():
            url = server.url + "/__emulator__/faults"
            if latency_ms is None:
                await client.delete(url)
            else:
                await client.post(url, json={"latency_ms": latency_ms})


async def peer(cluster: Cluster, opts: Options, report: Report) -> None:
    report.section("5. Peer: Hive Gateway (GraphQL Mesh Compose) over the same emulators")
    reason = unavailable()
    if reason:
        report.note(f"Skipped: {reason}.")
        return
    ours_query = queries.numbers_page(100)
    calls, _ = await capture(cluster.upstreams(), cluster.config, {"query": ours_query})
    work = PEER_DIR / ".work"
    shutil.rmtree(work, ignore_errors=True)
    peer_query = write_config(work, calls)
    peer_server = start_peer(work)
    ours_server = cluster.start_gateway(workers=1, cache_ttl=0.0)
    ours_url, peer_url = ours_server.url + "/graphql", peer_server.url + "/graphql"
    client = httpx.AsyncClient(timeout=60)
    direct = DirectClient()
    try:
        # Upstream requests per GraphQL request.
        await _post(client, ours_url, ours_query)
        await _post(client, peer_url, peer_query)
        await _counts(cluster)
        await _post(client, ours_url, ours_query)
        ours_calls = await _counts(cluster)
        await _post(client, peer_url, peer_query)
        peer_calls = await _counts(cluster)

        # Latency, one request at a time, interleaved.
        for _ in range(5):
            await _post(client, ours_url, ours_query)
            await _post(client, peer_url, peer_query)
        o: list[float] = []
        p: list[float] = []
        d: list[float] = []
        for rep in range(opts.repeats):
            report.progress(f"peer latency repeat {rep + 1}/{opts.repeats}")
            for _ in range(opts.iterations):
                o.append(await _post(client, ours_url, ours_query))
                p.append(await _post(client, peer_url, peer_query))
                d.append(await direct.sequential(calls))
        os_, ps, ds = Summary.of(o), Summary.of(p), Summary.of(d)

        # Fan-out: 50 ms on every provider.
        await _faults(cluster, opts.latency_ms)
        fo: list[float] = []
        fp: list[float] = []
        for _ in range(max(5, opts.iterations // 2)):
            fo.append(await _post(client, ours_url, ours_query))
            fp.append(await _post(client, peer_url, peer_query))
        await _faults(cluster, None)
        fos, fps = Summary.of(fo), Summary.of(fp)

        rows: list[list[Any]] = [
            ["Switchboard", ours_calls, ms(os_.p50), ms(os_.p90), ms(os_.p99), ms(fos.p50)],
            ["Hive Gateway", peer_calls, ms(ps.p50), ms(ps.p90), ms(ps.p99), ms(fps.p50)],
            ["direct, sequential sum", len(calls), ms(ds.p50), ms(ds.p90), ms(ds.p99), ""],
            [
                "**Switchboard / Hive Gateway**",
                "",
                ratio(os_.p50, ps.p50),
                ratio(os_.p90, ps.p90),
                ratio(os_.p99, ps.p99),
                ratio(fos.p50, fps.p50),
            ],
        ]
        report.table(
            [
                "gateway",
                "upstream requests",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                f"p50 ms, {opts.latency_ms:.0f} ms on every provider",
            ],
            rows,
        )

        # Throughput and CPU per request.
        body_o = json.dumps({"query": ours_query}).encode()
        body_p = json.dumps({"query": peer_query}).encode()
        trows: list[list[Any]] = []
        # The referee's keys (issue 14): peer.{ours,peer}.{cpu_ms_per_req,req_s}.c<N>, ...
        figures: dict[str, dict[str, Any]] = {
            "ours": {"cpu_ms_per_req": {}, "req_s": {}, "p50_ms": os_.p50 * 1e3},
            "peer": {"cpu_ms_per_req": {}, "req_s": {}, "p50_ms": ps.p50 * 1e3},
        }
        # c=1 too: a lone client shares nothing (no coalescing of identical requests),
        # which is what the overhead scenario measures.
        for c in opts.concurrency or [8]:
            for side, label, server, url, body in (
                ("ours", "Switchboard (1 worker)", ours_server, ours_url, body_o),
                ("peer", "Hive Gateway (1 process)", peer_server, peer_url, body_p),
            ):
                await run_load(url, body, concurrency=c, duration=min(opts.duration, 2.0))
                rps, p50, p99, cpu = [], [], [], []
                for rep in range(min(opts.repeats, 3)):
                    report.progress(f"peer throughput {label} c={c} {rep + 1}")
                    before = cpu_seconds(server.pids())
                    result = await run_load(url, body, concurrency=c, duration=opts.duration)
                    used = cpu_seconds(server.pids()) - before
                    lat = Summary.of(result.latencies)
                    rps.append(result.rps)
                    p50.append(lat.p50)
                    p99.append(lat.p99)
                    n = len(result.latencies)
                    cpu.append(1e3 * used / n if n else float("nan"))
                figures[side]["cpu_ms_per_req"][f"c{c}"] = sorted(cpu)[len(cpu) // 2]
                figures[side]["req_s"][f"c{c}"] = sorted(rps)[len(rps) // 2]
                figures[side]["rss_mib"] = server.rss_kib() / 1024
                trows.append(
                    [
                        f"{label}, c={c}",
                        f"{sorted(rps)[len(rps) // 2]:.0f}",
                        ms(sorted(p50)[len(p50) // 2]),
                        ms(sorted(p99)[len(p99) // 2]),
                        f"{sorted(cpu)[len(cpu) // 2]:.1f}",
                        f"{server.rss_kib() / 1024:.0f}",
                    ]
                )
        report.table(["gateway", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "RSS MiB after"], trows)
        report.note(
            "Switchboard runs `phoneNumbers(first: 100) { edges { node { id number assistant "
            "{ name } } } pageInfo { hasNextPage endCursor } }` (page cache off). Hive Gateway "
            "2.15.1 serves a supergraph that Mesh Compose 1.8.2 built from the same upstream "
            "requests (one root field per request, JSON samples for the types) and runs "
            "their closest equivalent: one root field per upstream list, selecting ids, "
            "numbers, assistant ids and names in each provider's own shape. It cannot "
            "express the rest: no cross-provider pagination or cursors, no common record "
            "shape, no joining numbers to assistant names (the client would), so it does "
            "less work per request. Both send every upstream call in one parallel round "
            "(Switchboard starts the assistant lists beside the number pages). At c >= 8 "
            "identical concurrent requests share upstream calls (ours coalesce them); c=1 "
            "shares nothing. Same run, same emulators, loopback; medians of "
            f"{min(opts.repeats, 3)} load runs of {opts.duration:.0f} s per row."
        )
        report.data["peer"] = {
            **figures,
            "ours_p50_ms": os_.p50 * 1e3,
            "peer_p50_ms": ps.p50 * 1e3,
            "ours_upstream": ours_calls,
            "peer_upstream": peer_calls,
            "peer_query": peer_query,
        }
    finally:
        await client.aclose()
        await direct.aclose()
        await asyncio.to_thread(peer_server.stop)
        cluster.stop_gateway()
        shutil.rmtree(work, ignore_errors=True)
