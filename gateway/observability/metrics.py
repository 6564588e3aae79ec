"""Prometheus metrics for one app: GraphQL operations, upstream calls, dataloader batches.

Each app owns a :class:`Metrics` with its own registry (so tests and several apps in one
process never share counters); ``/metrics`` renders it in the Prometheus text format.
Everything read from a runtime (upstream calls, breakers, resilience counters, page
caches) carries a ``tenant`` label, for every tenant's runtime: empty when no tenants are
configured, and for a page cache the tenants share (Redis).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Any

import httpx
from aiodataloader import DataLoader
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from ..model import ProviderName
from ..upstream import Answer, Attempt, Hop, Layer, UpstreamClient
from .health import breaker_states
from .requestid import REQUEST_ID_HEADER, current_request_id, request_info

log = logging.getLogger("switchboard.upstream")

ANONYMOUS = "anonymous"
NO_TENANT = ""  # the ``tenant`` label without tenants (and for what tenants share)
OTHER = "other"
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class OperationNames:
    """Bounds the ``operation`` label: clients choose names, so cap how many we keep."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        if not _OPERATION_NAME.fullmatch(name):
            return OTHER
        with self._lock:
            if name in self._seen:
                return name
            if len(self._seen) >= self.limit:
                return OTHER
            self._seen.add(name)
            return name


class Metrics:
    def __init__(self, *, max_operation_names: int = 200, process: bool = True) -> None:
        self.registry = CollectorRegistry()
        if process:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        self.operations = OperationNames(max_operation_names)
        r = self.registry
        self.graphql_requests = Counter(
            "switchboard_graphql_requests",
            "GraphQL operations executed, by operation name.",
            ["operation"],
            registry=r,
        )
        self.graphql_latency = Histogram(
            "switchboard_graphql_request_duration_seconds",
            "Time to parse, validate and execute a GraphQL operation.",
            ["operation"],
            registry=r,
        )
        self.graphql_errors = Counter(
            "switchboard_graphql_errors",
            "Errors in GraphQL responses, by operation name and extensions.code.",
            ["operation", "code"],
            registry=r,
        )
        self.upstream_requests = Counter(
            "switchboard_upstream_requests",
            "HTTP requests sent to providers, by tenant, provider and HTTP status "
            "(or 'timeout' / 'error' when no response came).",
            ["tenant", "provider", "status"],
            registry=r,
        )
        self.upstream_latency = Histogram(
            "switchboard_upstream_request_duration_seconds",
            "Time from sending a provider request to its response headers.",
            ["tenant", "provider"],
            registry=r,
        )
        self.batch_size = Histogram(
            "switchboard_dataloader_batch_size",
            "Keys per dataloader batch, by loader.",
            ["loader"],
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        # loader name -> its histogram: every request wraps its six loaders, and a
        # ``labels`` lookup takes the metric's lock and validates the labels each time.
        self._batch_sizes: dict[str, Any] = {}
        # operation label (at most max_operation_names of them) -> its two series
        self._operation_series: dict[str, tuple[Any, Any]] = {}

    def add_collector(self, collector: Collector) -> None:
        self.registry.register(collector)

    # -- GraphQL -------------------------------------------------------------------------

    def extension(self) -> Callable[[], SchemaExtension]:
        """A strawberry extension factory; put it first so it sees the final error codes."""
        metrics = self

        class GraphQLMetrics(SchemaExtension):
            def on_operation(self) -> Iterator[None]:
                start = time.perf_counter()
                yield
                ctx = self.execution_context
                operation = metrics.operations.label(ctx.operation_name)
                requests, latency = metrics.operation_series(operation)
                requests.inc()
                latency.observe(time.perf_counter() - start)
                errors = (ctx.result.errors if ctx.result else None) or []
                for error in errors:
                    code = (error.extensions or {}).get("code") or "UNKNOWN"
                    metrics.graphql_errors.labels(operation, str(code)).inc()
                info = request_info()
                if info is not None:
                    info["operation"] = operation
                    if errors:
                        info["errors"] = sorted(
                            {str((e.extensions or {}).get("code")) for e in errors}
                        )

        return GraphQLMetrics

    def operation_series(self, operation: str) -> tuple[Any, Any]:
        """The request counter and latency histogram of ``operation``'s label, looked up
        once per label (``labels()`` takes a lock and builds a key on every call)."""
        series = self._operation_series.get(operation)
        if series is None:
            series = self._operation_series[operation] = (
                self.graphql_requests.labels(operation),
                self.graphql_latency.labels(operation),
            )
        return series

    # -- dataloaders ---------------------------------------------------------------------

    def observe_loaders(self, loaders: object) -> None:
        """Record the batch size of every DataLoader attribute of ``loaders``."""
        for name, loader in vars(loaders).items():
            if isinstance(loader, DataLoader):
                loader.batch_load_fn = self._observed_batch(name, loader.batch_load_fn)

    def _observed_batch(
        self, name: str, fn: Callable[[list[Any]], Coroutine[Any, Any, list[Any]]]
    ) -> Callable[[list[Any]], Coroutine[Any, Any, list[Any]]]:
        histogram = self._batch_sizes.get(name)
        if histogram is None:
            histogram = self._batch_sizes[name] = self.batch_size.labels(name)

        async def observed(keys: list[Any]) -> list[Any]:
            histogram.observe(len(keys))
            return await fn(keys)

        return observed

    # -- upstream ------------------------------------------------------------------------

    def transport(
        self, provider: ProviderName, inner: Hop, tenant: str | None = None
    ) -> ObservedTransport:
        return ObservedTransport(inner, provider, self, tenant)

    async def endpoint(self, _request: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class ObservedTransport(Layer):
    """Wraps a provider's transport: sends the request id, counts and times each call.

    Below the client, so every attempt (a retry included) is one observation.
    """

    def __init__(
        self,
        inner: Hop,
        provider: ProviderName,
        metrics: Metrics,
        tenant: str | None = None,
    ) -> None:
        super().__init__(inner)
        self.provider = provider
        self.metrics = metrics
        self.tenant = tenant_label(tenant)
        # The labelled series, looked up once (labels() is a locked dict lookup per call).
        self._latency = metrics.upstream_latency.labels(self.tenant, provider.value)
        self._counts: dict[str, Any] = {}

    async def send(self, attempt: Attempt) -> Answer:
        rid = current_request_id()
        if rid and attempt.header(REQUEST_ID_HEADER) is None:
            attempt.set_header(REQUEST_ID_HEADER, rid)
        outcome = "error"
        start = time.perf_counter()
        try:
            answer = await self.inner.send(attempt)
            outcome = str(answer.status)
            return answer
        except httpx.TimeoutException:
            outcome = "timeout"
            raise
        finally:
            elapsed = time.perf_counter() - start
            provider = self.provider.value
            count = self._counts.get(outcome)
            if count is None:
                labels = (self.tenant, provider, outcome)
                count = self._counts[outcome] = self.metrics.upstream_requests.labels(*labels)
            count.inc()
            self._latency.observe(elapsed)
            failed = not outcome.isdigit() or int(outcome) >= 500
            level = logging.WARNING if failed else logging.DEBUG
            if log.isEnabledFor(level):
                # The path only: query strings and headers stay out of the log.
                log.log(
                    level,
                    "upstream call",
                    extra={
                        **({"tenant": self.tenant} if self.tenant else {}),
                        "provider": provider,
                        "method": attempt.method,
                        "upstream_path": attempt.url.path,
                        "status": outcome,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )


def tenant_label(tenant: str | None) -> str:
    return NO_TENANT if tenant is None else tenant


def instrument_client(
    client: object, provider: ProviderName, metrics: Metrics, tenant: str | None = None
) -> bool:
    """Observe every attempt of an :class:`~gateway.upstream.UpstreamClient` (of
    ``tenant``'s runtime: its calls are labelled with it), as a layer of its stack.

    Returns False (and leaves the client alone) if it is not an UpstreamClient.
    """
    if not isinstance(client, UpstreamClient):
        return False
    client.add_observer(lambda inner, _context: metrics.transport(provider, inner, tenant))
    return True


Runtimes = Mapping[str | None, Any]


class BreakerCollector(Collector):
    """``switchboard_upstream_breaker_state``: 1 for each tenant's providers' current state."""

    def __init__(self, runtimes: Runtimes) -> None:
        self.runtimes = runtimes

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "switchboard_upstream_breaker_state",
            "Circuit breaker state per tenant and provider (1 for the current state).",
            labels=["tenant", "provider", "state"],
        )
        for tenant, runtime in self.runtimes.items():
            for provider, state in breaker_states(runtime).items():
                family.add_metric([tenant_label(tenant), provider, state], 1.0)
        yield family


# Help for the counters of the upstream client's ``stats`` (gateway/upstream/layer.py).
_STAT_HELP = {
    "calls": "Upstream calls the adapters made (before retries, cache and coalescing).",
    "attempts": "Requests sent upstream, retries included.",
    "retries": "Retried upstream attempts.",
    "retries_denied": "Retries the retry budget or the request deadline did not allow.",
    "cache_hits": "Upstream calls answered from the shared page cache.",
    "coalesced": "Calls that joined an identical call already in flight.",
    "short_circuited": "Calls failed fast because the provider's breaker was open.",
}


class ResilienceCollector(Collector):
    """Read at scrape time from every runtime: each client's ``stats`` counters
    (``switchboard_upstream_<field>_total``, by tenant and provider) and each page cache's
    hits, misses, entries and bytes (a cache several runtimes share is exported once, with
    an empty tenant). Whatever a runtime does not have is simply not exported.
    """

    def __init__(self, runtimes: Runtimes) -> None:
        self.runtimes = runtimes

    def collect(self) -> Iterator[Metric]:
        families: dict[str, CounterMetricFamily] = {}
        for tenant, runtime in self.runtimes.items():
            for provider, client in runtime.clients.items():
                stats = getattr(client, "stats", None)
                if stats is None or not dataclasses.is_dataclass(stats):
                    continue
                for f in dataclasses.fields(stats):
                    count = getattr(stats, f.name)
                    if not isinstance(count, int) or isinstance(count, bool):
                        continue
                    family = families.get(f.name)
                    if family is None:
                        family = families[f.name] = CounterMetricFamily(
                            f"switchboard_upstream_{f.name}",
                            _STAT_HELP.get(f.name, f"Upstream client counter {f.name}."),
                            labels=["tenant", "provider"],
                        )
                    family.add_metric([tenant_label(tenant), provider.value], float(count))
        yield from families.values()
        yield from self._caches()

    def _caches(self) -> Iterator[Metric]:
        owners: dict[int, tuple[Any, list[str | None]]] = {}
        for tenant, runtime in self.runtimes.items():
            cache = getattr(runtime, "cache", None)
            if cache is not None:
                owners.setdefault(id(cache), (cache, []))[1].append(tenant)
        if not owners:
            return
        labels = ["tenant"]
        hits = CounterMetricFamily(
            "switchboard_page_cache_hits", "Page cache lookups that hit.", labels=labels
        )
        misses = CounterMetricFamily(
            "switchboard_page_cache_misses", "Page cache lookups that missed.", labels=labels
        )
        entries = GaugeMetricFamily(
            "switchboard_page_cache_entries", "Entries in the page cache.", labels=labels
        )
        size = GaugeMetricFamily(
            "switchboard_page_cache_bytes", "Bytes held by the page cache.", labels=labels
        )
        for cache, tenants in owners.values():
            label = [tenant_label(tenants[0]) if len(tenants) == 1 else NO_TENANT]
            for family, attr in ((hits, "hits"), (misses, "misses"), (size, "size_bytes")):
                value = getattr(cache, attr, None)
                if isinstance(value, int) and not isinstance(value, bool):
                    family.add_metric(label, float(value))
            with contextlib.suppress(TypeError):
                entries.add_metric(label, float(len(cache)))
        for family in (hits, misses, entries, size):
            if family.samples:
                yield family
        yield from _redis_families([cache for cache, _ in owners.values()])


_REDIS_HELP = {
    "errors": "Redis commands that failed (Redis down, slow or refusing): Redis then rests.",
    "pool_timeouts": "Redis commands that found no free pooled connection in time "
    "(a miss, not an outage).",
    "invalidations_failed": "Page cache clears that did not reach Redis (kept pending).",
    "invalidations_retried": "Pending page cache clears that landed on a retry.",
}


def _redis_families(caches: list[Any]) -> Iterator[Metric]:
    """The Redis backend's counters (once per backend) and whether a clear is pending."""
    backends = {id(b): b for c in caches if (b := getattr(c, "backend", None)) is not None}
    totals: dict[str, int] = {}
    for backend in backends.values():
        stats = getattr(backend, "stats", None)
        if stats is None or not dataclasses.is_dataclass(stats):
            continue
        for f in dataclasses.fields(stats):
            count = getattr(stats, f.name)
            if isinstance(count, int) and not isinstance(count, bool):
                totals[f.name] = totals.get(f.name, 0) + count
    for name, count in totals.items():
        help_text = _REDIS_HELP.get(name, f"Redis backend counter {name}.")
        yield CounterMetricFamily(f"switchboard_redis_{name}", help_text, value=count)
    pending = [c for c in caches if isinstance(getattr(c, "invalidation_pending", None), bool)]
    if pending:
        yield GaugeMetricFamily(
            "switchboard_redis_invalidation_pending",
            "1 while a page cache clear that did not reach Redis is owed.",
            value=float(any(c.invalidation_pending for c in pending)),
        )
