"""The peer query's CPU, in-process: ``python -m bench.hotpath [--requests N] [--out F]``.

Demo mode over ASGI (no sockets, no other process), page cache and response cache off,
the collector tuned as ``switchboard serve`` tunes it, cProfile around N requests after
a warm-up. Shares and calls per request compare one change with the next on a busy
machine, where timings do not (bench/profiling.py profiles a real server under load).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
from pathlib import Path

import httpx

from gateway.app import create_app
from gateway.collector import tune_for_serving
from gateway.config import Settings
from gateway.resilience.settings import ResilienceSettings

from . import queries
from .profiling import breakdown

# Calls per request worth watching: coroutines scheduled, resolvers wrapped, cursors.
COUNTED = ("create_task", "_async_resolver", "_get_result", "execute_field", "encode")


async def _run(requests: int, out: Path) -> None:
    settings = Settings(
        demo=True, response_cache=False, resilience=ResilienceSettings(cache_ttl_seconds=0)
    )
    app = create_app(settings)
    body = queries.body(queries.numbers_page(100))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway") as client,
    ):
        for _ in range(20):
            response = await client.post("/graphql", json=body)
            assert response.status_code == 200
            assert "errors" not in response.json()
        tune_for_serving()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            await client.post("/graphql", json=body)
        profiler.disable()
        profiler.dump_stats(str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("hotpath.prof"))
    args = parser.parse_args()
    asyncio.run(_run(args.requests, args.out))
    ranked, top, total = breakdown(args.out)
    profile = pstats.Stats(str(args.out))
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    stats = getattr(profile, "stats")  # noqa: B009
    # Python function calls per request: the work the interpreter does, whatever the
    # machine's load (the emulators' share is the same before and after a change).
    calls_made: int = getattr(profile, "total_calls")  # noqa: B009
    print(f"{'function calls':>16}: {calls_made / args.requests:7.0f} per request")
    for name in COUNTED:
        calls = sum(v[1] for (_f, _l, n), v in stats.items() if n == name)
        print(f"{name:>16}: {calls / args.requests:7.1f} calls per request")
    for bucket, seconds in ranked:
        if seconds / total >= 0.005:
            print(f"{100 * seconds / total:5.1f}%  {bucket}")
    for function, seconds in top:
        print(f"{100 * seconds / total:5.1f}%  {function}")


if __name__ == "__main__":
    main()
