"""The sorted-list scenario: what ``orderBy`` costs against the unsorted list.

A sorted list reads each provider's whole list and sorts it in the gateway
(gateway/sorted_window.py), so its first page costs what a full read costs, and a
traversal leans on the page cache and the runtime's sorted snapshots (the next pages
bisect the kept lists, gateway/sorted_snapshots.py); Vapi sorts by createdAt itself, so under this
scenario's order it reads only the pages a window needs (gateway/creation_order.py).
Reported per provider mix (every provider, then each alone) for the first page (page
cache off: what one cold request costs) and for a full traversal (the default page
cache, a fresh gateway each, as a client would meet it).
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from . import queries
from .launcher import Cluster
from .report import Report, ms, ratio
from .stats import median

ORDER = "[{field: CREATED_AT, direction: DESC}]"
FIRST_PAGE = 20
TRAVERSAL_PAGE = 100


def page_query(order: str | None, provider: str | None, first: int) -> str:
    args = [f"first: {first}", "after: $after"]
    if order is not None:
        args.append(f"orderBy: {order}")
    if provider is not None:
        args.append(f"filter: {{providers: [{provider.upper()}]}}")
    return (
        f"query($after: String) {{ phoneNumbers({', '.join(args)}) "
        "{ nodes { id number createdAt } pageInfo { hasNextPage endCursor } } }"
    )


async def _post(client: httpx.AsyncClient, query: str, after: str | None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": {"after": after}})
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"sorted scenario: {response.status_code} {str(body)[:300]}")
    return body["data"]["phoneNumbers"]  # type: ignore[no-any-return]


async def _first_page(cluster: Cluster, url: str, query: str, repeats: int) -> tuple[int, float]:
    """Upstream calls of one cold first page, and its median latency."""
    from .scenarios import upstream_counts

    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        calls: list[float] = []
        took: list[float] = []
        for _ in range(repeats):
            await upstream_counts(cluster)
            started = time.perf_counter()
            await _post(client, query, None)
            took.append(time.perf_counter() - started)
            calls.append(sum((await upstream_counts(cluster)).values()))
    middle = median(calls)
    return int(middle), median(took)


async def _traverse(cluster: Cluster, query: str) -> tuple[int, int, float]:
    """Pages, upstream calls and seconds of a walk from the first page to the last, on a
    fresh gateway (an empty page cache)."""
    from .scenarios import upstream_counts

    url = cluster.start_gateway(workers=1, cache_ttl=None).url
    async with httpx.AsyncClient(base_url=url, timeout=600) as client:
        await upstream_counts(cluster)
        after, pages, started = None, 0, time.perf_counter()
        while True:
            page = await _post(client, query, after)
            pages += 1
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        took = time.perf_counter() - started
        calls = sum((await upstream_counts(cluster)).values())
    return pages, calls, took


async def sorted_lists(cluster: Cluster, opts: Any, report: Report) -> None:
    """``orderBy: CREATED_AT DESC`` against the unsorted list, per provider mix."""
    report.section("2c. Sorted lists (orderBy) against the unsorted list")
    mixes: list[tuple[str, str | None]] = [("all", None), *((p, p) for p in queries.PROVIDERS)]
    first_rows, walk_rows = [], []
    figures: dict[str, Any] = {"numbers_per_provider": cluster.config.numbers}
    url = cluster.start_gateway(workers=1, cache_ttl=0.0).url
    try:
        for label, provider in mixes:
            plain, ordered = [
                await _first_page(cluster, url, page_query(o, provider, FIRST_PAGE), opts.repeats)
                for o in (None, ORDER)
            ]
            speed = ratio(ordered[1], plain[1])
            first_rows.append([label, plain[0], ordered[0], ms(plain[1]), ms(ordered[1]), speed])
            figures.setdefault(label, {})["first_page"] = {
                "unsorted": {"calls": plain[0], "p50_ms": plain[1] * 1e3},
                "sorted": {"calls": ordered[0], "p50_ms": ordered[1] * 1e3},
            }
        for label, provider in mixes:
            walks = [
                await _traverse(cluster, page_query(o, provider, TRAVERSAL_PAGE))
                for o in (None, ORDER)
            ]
            (pages, plain_calls, plain_s), (_, sorted_calls, sorted_s) = walks
            times = [f"{plain_s:.2f}", f"{sorted_s:.2f}", ratio(sorted_s, plain_s)]
            walk_rows.append([label, pages, plain_calls, sorted_calls, *times])
            figures[label]["traversal"] = {
                "pages": pages,
                "unsorted": {"calls": plain_calls, "seconds": plain_s},
                "sorted": {"calls": sorted_calls, "seconds": sorted_s},
            }
    finally:
        cluster.stop_gateway()
    report.table(
        ["mix", "calls unsorted", "calls sorted", "p50 ms unsorted", "p50 ms sorted", "ratio"],
        first_rows,
    )
    report.note(
        f"First page: `phoneNumbers(first: {FIRST_PAGE}, orderBy: {ORDER})` against the same "
        f"page unsorted, page cache off (each request cold), median of {opts.repeats}; "
        f"{cluster.config.numbers} numbers per provider. The sorted page reads every "
        "provider's whole list, but Vapi's (sorted by createdAt upstream: the pages needed)."
    )
    report.table(
        ["mix", "pages", "calls unsorted", "calls sorted", "s unsorted", "s sorted", "ratio"],
        walk_rows,
    )
    report.note(
        f"Full traversal: `first: {TRAVERSAL_PAGE}` from the first page until hasNextPage is "
        "false, one request at a time, default page cache (a fresh gateway for each walk): "
        "the first sorted page reads and sorts the whole lists, the next ones take them "
        "sorted from the runtime's snapshots while the page cache TTL holds (Vapi: the "
        "pages after the cursor, from the cache while it is fresh)."
    )
    report.data["sorted"] = figures
