"""``python -m bench.ab TREE_A TREE_B``: two versions of the gateway, request by request.

This machine's speed drifts by a third within minutes, so two runs of the overhead
scenario taken one after the other measure the drift as much as the change. Here one
emulator cluster serves a gateway started from each source tree (a ``git worktree`` of
the commit to compare, say), and every round sends one overhead query to each gateway,
then the same upstream calls directly: all three see the same machine at the same
moment. Printed per tree: p50 latency, its ratio to the direct sequential sum (the
overhead scenario's ratio) and the gateway's CPU per request; page cache off, one
request at a time.

``--warm``: the warm path instead, each gateway with its response cache (default page
TTL), loaded in turn by the bench's load generator at c=8 for short bursts: per tree the
median CPU per request and req/s over the bursts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from pathlib import Path

from . import queries
from .capture import DirectClient, capture
from .launcher import Server, cluster, cpu_seconds
from .loadgen import run_load
from .scenarios import GatewayClient

WARM_UP = 50


async def compare(trees: list[Path], size: int, requests: int) -> list[str]:
    with cluster() as running:
        upstreams = running.upstreams()
        servers: list[Server] = []
        clients: list[GatewayClient] = []
        direct = DirectClient()
        query = queries.numbers_page(size)
        try:
            for tree in trees:
                servers.append(running.spawn_gateway(tree))
                clients.append(GatewayClient(servers[-1].url))
            calls, _ = await capture(upstreams, running.config, {"query": query})
            for _ in range(WARM_UP):
                for client in clients:
                    await client.timed(query)
                await direct.sequential(calls)
            latencies: list[list[float]] = [[] for _ in trees]
            sequential: list[float] = []
            before = [cpu_seconds(s.pids()) for s in servers]
            for _ in range(requests):
                for i, client in enumerate(clients):
                    latencies[i].append(await client.timed(query))
                sequential.append(await direct.sequential(calls))
            seq = statistics.median(sequential)
            lines = [f"first: {size}, {len(calls)} upstream calls, {len(sequential)} rounds"]
            for tree, server, spent, lat in zip(trees, servers, before, latencies, strict=True):
                cpu = (cpu_seconds(server.pids()) - spent) / len(lat) * 1e3
                p50 = statistics.median(lat)
                lines.append(
                    f"{tree}: p50 {p50 * 1e3:.3f} ms, / sequential {p50 / seq:.3f}x, "
                    f"CPU {cpu:.3f} ms a request"
                )
            lines.append(f"direct, sequential sum: p50 {seq * 1e3:.3f} ms")
            return lines
        finally:
            for client in clients:
                await client.aclose()
            await direct.aclose()
            for server in servers:
                server.stop()


async def compare_warm(trees: list[Path], bursts: int, seconds: float) -> list[str]:
    """The response-cache path of each tree, in alternating bursts of load at c=8."""
    with cluster() as running:
        servers = [
            running.spawn_gateway(tree, cache_ttl=None, response_cache=True) for tree in trees
        ]
        body = json.dumps(queries.body(queries.numbers_page(100))).encode()
        try:
            cpu: list[list[float]] = [[] for _ in trees]
            rps: list[list[float]] = [[] for _ in trees]
            for server in servers:  # warm-up: connections, imports, the cache itself
                await run_load(server.url + "/graphql", body, concurrency=8, duration=1.0)
            for _ in range(bursts):
                for i, server in enumerate(servers):
                    spent = cpu_seconds(server.pids())
                    load = await run_load(
                        server.url + "/graphql", body, concurrency=8, duration=seconds
                    )
                    done = len(load.latencies)
                    if load.errors or not done:
                        raise RuntimeError(f"{trees[i]}: {load.errors} non-200 answers")
                    cpu[i].append((cpu_seconds(server.pids()) - spent) / done * 1e6)
                    rps[i].append(load.rps)
            lines = [f"warm path, c=8, {bursts} bursts of {seconds:g} s each"]
            for tree, c, r in zip(trees, cpu, rps, strict=True):
                lines.append(
                    f"{tree}: CPU {statistics.median(c):.1f} us a request "
                    f"(min {min(c):.1f}), {statistics.median(r):.0f} req/s (max {max(r):.0f})"
                )
            return lines
        finally:
            for server in servers:
                server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs=2, type=Path, help="two source trees to compare")
    parser.add_argument("--size", type=int, default=50, help="first: N (default 50)")
    parser.add_argument("--requests", type=int, default=1000, help="to each (default 1000)")
    parser.add_argument("--warm", action="store_true", help="the response-cache path instead")
    parser.add_argument("--bursts", type=int, default=15, help="--warm: bursts per tree")
    parser.add_argument("--seconds", type=float, default=1.0, help="--warm: seconds a burst")
    args = parser.parse_args()
    trees = [t.resolve() for t in args.trees]
    if args.warm:
        run = compare_warm(trees, args.bursts, args.seconds)
    else:
        run = compare(trees, args.size, args.requests)
    for line in asyncio.run(run):
        print(line)


if __name__ == "__main__":
    main()
