"""``python -m bench.ab TREE_A TREE_B``: two versions of the gateway, request by request.

This machine's speed drifts by a third within minutes, so two runs of the overhead
scenario taken one after the other measure the drift as much as the change. Here one
emulator cluster serves a gateway started from each source tree (a ``git worktree`` of
the commit to compare, say), and every round sends one overhead query to each gateway,
then the same upstream calls directly: all three see the same machine at the same
moment. Printed per tree: p50 latency, its ratio to the direct sequential sum (the
overhead scenario's ratio) and the gateway's CPU per request; page cache off, one
request at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from pathlib import Path

from . import queries
from .capture import DirectClient, capture
from .launcher import Server, cluster, cpu_seconds
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs=2, type=Path, help="two source trees to compare")
    parser.add_argument("--size", type=int, default=50, help="first: N (default 50)")
    parser.add_argument("--requests", type=int, default=1000, help="to each (default 1000)")
    args = parser.parse_args()
    trees = [t.resolve() for t in args.trees]
    for line in asyncio.run(compare(trees, args.size, args.requests)):
        print(line)


if __name__ == "__main__":
    main()
