"""The HTTP client every adapter calls through: one per provider, for the app's lifetime.

It turns transport failures and upstream statuses into typed :mod:`gateway.errors`, so
adapters never see an httpx exception and clients never see an upstream body. The
provider's :class:`~gateway.resilience.ResilienceSettings` apply in two parts::

    this client:  page cache (reads)  ->  failure memory (reads)  ->  coalescing (idempotent)
                  ->  the call's deadline
    its stack:    the per-attempt layers (gateway/upstream/stack.py), then the network

The client keeps what needs call keys and parsed bodies; the stack under its sender
(gateway/upstream/sender.py) does each attempt. Behaviour is configured per provider, never
coded per call: adapters only say what to fetch. ``docs/resilience.md`` lists the
settings, their defaults and the error codes.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import httpx

from ..config import ProviderSettings
from ..errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from ..lru import LRU
from ..model import ProviderName
from ..resilience import (
    BreakerState,
    CallDeadline,
    CircuitBreaker,
    Coalescer,
    FailureMemory,
    PageCache,
    ResilienceSettings,
    SharedCallCancelled,
    credential_fingerprint,
    current_deadline,
    request_key,
)
from .exchange import SAFE_METHODS, AttemptFailed, Decode, Exchange
from .layer import ClientStats, LayerFactory, StackContext, compose
from .network import network
from .sender import Sender
from .stack import PER_ATTEMPT_LAYERS
from .wire import Hop

log = logging.getLogger("switchboard.upstream")


T = TypeVar("T")


_KEPT_URLS = 1024  # per provider: pages times filters in use, and then some


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    path: str
    params: dict[str, Any]
    json_body: Any
    headers: Mapping[str, str]
    retryable: bool
    decode: Decode


class UpstreamClient:
    """Calls one provider's API. Created once per provider for the app's lifetime.

    Without ``policy`` the client makes single attempts (timeouts and the concurrency
    cap still apply): what the adapter contract tests exercise. The runtime always
    passes the configured policy and the shared page cache. ``layers`` are the
    per-attempt layers, outermost first (:data:`~gateway.upstream.stack.PER_ATTEMPT_LAYERS`
    by default); ``transport`` replaces the network under them (emulators, tests).
    """

    def __init__(
        self,
        provider: ProviderName,
        settings: ProviderSettings,
        headers: dict[str, str],
        *,
        transport: httpx.AsyncBaseTransport | Hop | None = None,
        policy: ResilienceSettings | None = None,
        cache: PageCache | None = None,
        rng: random.Random | None = None,
        layers: Sequence[LayerFactory] = PER_ATTEMPT_LAYERS,
    ) -> None:
        self.provider = provider
        self.policy = policy = policy or ResilienceSettings.passthrough()
        self.requests: Counter[str] = Counter()  # requests sent, by path
        self.stats = ClientStats()
        # What the breaker and the failure memory read as "now"; tests set their own.
        self.clock: Callable[[], float] = time.monotonic
        self.breaker: CircuitBreaker | None = None
        if policy.breaker_enabled:
            self.breaker = CircuitBreaker(
                window_seconds=policy.breaker_window_seconds,
                min_calls=policy.breaker_min_calls,
                failure_rate=policy.breaker_failure_rate,
                cooldown_seconds=policy.breaker_cooldown_seconds,
                half_open_probes=policy.breaker_half_open_probes,
                consecutive_failures=policy.breaker_consecutive_failures,
                clock=self._now,
                on_change=self._breaker_changed,
            )
        self.layers = tuple(layers)
        self._observers: list[LayerFactory] = []  # outermost first
        self._context = StackContext(
            provider,
            policy,
            self.stats,
            self.requests,
            self.breaker,
            rng or random.Random(),
        )
        self._settings = settings
        self._headers = {"Accept": "application/json", **headers}
        self._base_url = settings.base_url or ""
        self._network = network(self._base_url, policy, transport)
        self._http = self._open()
        self._credentials = credential_fingerprint(self._http.headers)
        self._cache = cache if policy.cache_ttl_seconds > 0 else None
        self._memory = FailureMemory(policy.failure_memory_seconds, clock=self._now)
        self._inflight: Coalescer[Exchange] = Coalescer()
        # Bumped by every write, so reads after it miss the cache and in-flight reads.
        self._generation = 0
        # (path, params) -> the absolute URL httpx builds for it: the same pages are asked
        # for again and again, and httpx parses and re-encodes the URL on every request.
        self._urls = LRU(_KEPT_URLS, 1)

    def _open(self) -> Sender:
        """The sender over the stack: the layers, the observers, the network."""
        stack = compose(self._network, (*self.layers, *self._observers), self._context)
        return Sender(
            stack,
            base_url=self._base_url,
            headers=self._headers,
            timeout=httpx.Timeout(self._settings.timeout, connect=self._settings.connect_timeout),
        )

    def add_observer(self, layer: LayerFactory) -> None:
        """Put ``layer`` under the per-attempt layers, above the observers added before it
        (so it sees every attempt as it goes to the network): how metrics and tracing
        attach. Only before the first call, since the stack is rebuilt for it."""
        if self.stats.calls:
            raise RuntimeError("observers are added before the client's first call")
        self._observers.insert(0, layer)
        self._http = self._open()  # the previous one never sent anything: nothing to close

    def _now(self) -> float:
        return self.clock()

    @property
    def is_closed(self) -> bool:
        return self._http.is_closed

    async def aclose(self) -> None:
        self._inflight.cancel_all()
        await self._http.aclose()

    @overload
    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any: ...

    @overload
    async def get_json(
        self, path: str, params: dict[str, Any] | None = None, *, decode: Callable[[bytes], T]
    ) -> T: ...

    async def get_json(
        self, path: str, params: dict[str, Any] | None = None, *, decode: Decode = json.loads
    ) -> Any:
        """GET ``path``: its JSON, or what ``decode`` makes of the body."""
        return await self.request_json("GET", path, params=params, decode=decode)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        read: bool = False,
        decode: Decode = json.loads,
    ) -> Any:
        """Send one request and return its parsed JSON body, or raise an UpstreamError.

        Reads (GET/HEAD/OPTIONS) are retried, coalesced and (GET) cached; other methods
        are sent exactly once unless ``idempotent=True`` says repeating them is safe,
        and are never shared or cached. ``read=True``: a read sent by another method (a
        list asked by POST, its query in the body), handled as a GET: retried, coalesced,
        cached (keyed by its body too) and remembered, and never taken for a write that
        makes cached reads stale. ``decode`` turns the body into what is returned (a
        provider's model, validated from the bytes; json.loads by default).
        """
        method = method.upper()
        get_like = method == "GET" or read
        safe = method in SAFE_METHODS or read
        self.stats.calls += 1
        call = _Call(
            method=method,
            path=path,
            params={k: _param(v) for k, v in (params or {}).items() if v is not None},
            json_body=json_body,
            headers=dict(headers or {}),
            retryable=safe if idempotent is None else idempotent,
            decode=decode,
        )
        deadline = current_deadline()
        if not safe:
            # A write may change what reads return: later reads start afresh.
            self._generation += 1
            return (await self._fetch(call, CallDeadline(deadline), None)).take(decode)
        key = self._key(call)
        cacheable = self._cache is not None and get_like
        if cacheable and self._cache is not None:
            cached = await self._cache.get(key)
            if cached is not None:
                self.stats.cache_hits += 1
                return decode(cached)
        remembered = self._memory.recall(key) if get_like else None
        if remembered is not None:
            self.stats.remembered += 1
            raise remembered.with_traceback(None)
        cache_key = key if cacheable else None
        memory_key = key if get_like else None
        if not self.policy.coalesce:
            fetched = await self._fetch(call, CallDeadline(deadline), cache_key, memory_key)
            return fetched.take(decode)
        try:
            fetched, joined = await self._inflight.run(
                key, lambda shared: self._fetch(call, shared, cache_key, memory_key), deadline
            )
        except TimeoutError:
            raise UpstreamTimeout(self.provider, "request deadline exceeded") from None
        except SharedCallCancelled:
            raise UpstreamUnavailable(self.provider, "upstream call cancelled") from None
        except UpstreamError as exc:
            raise exc.with_traceback(None) from None
        if joined:
            self.stats.coalesced += 1
        return fetched.take(decode)

    async def _fetch(
        self,
        call: _Call,
        deadline: CallDeadline,
        cache_key: str | None,
        memory_key: str | None = None,
    ) -> Exchange:
        """One logical call through the stack (its attempts are the stack's business)."""
        exchange = Exchange(deadline, call.path, retryable=call.retryable, decode=call.decode)
        try:
            await self._http.send(
                call.method,
                self._url(call),
                exchange=exchange,
                json=call.json_body,
                headers=call.headers,
            )
        except AttemptFailed as failed:
            if memory_key is not None and failed.memorable:
                self._memory.remember(memory_key, failed.error)
            raise failed.error from None
        if cache_key is not None and self._cache is not None:
            await self._cache.set(cache_key, exchange.body, self.policy.cache_ttl_seconds)
        return exchange

    def _url(self, call: _Call) -> httpx.URL:
        key = (call.path, tuple(call.params.items()))
        try:
            url: httpx.URL | None = self._urls.get(key)
        except TypeError:  # a list-valued parameter: not kept
            return self._http.url(call.path, call.params)
        if url is None:
            url = self._http.url(call.path, call.params)
            self._urls.put(key, url)
        return url

    def _key(self, call: _Call) -> str:
        credentials = self._credentials
        if call.headers:
            credentials = credential_fingerprint({**self._http.headers, **call.headers})
        return request_key(
            provider=self.provider.value,
            base_url=self._base_url,
            credentials=credentials,
            method=call.method,
            path=call.path,
            params=call.params,
            body=call.json_body,
            generation=self._generation,
        )

    def _breaker_changed(self, old: BreakerState, new: BreakerState) -> None:
        level = logging.WARNING if new is BreakerState.OPEN else logging.INFO
        log.log(
            level,
            "circuit breaker %s -> %s",
            old.value,
            new.value,
            extra={"provider": self.provider.value, "breaker": new.value},
        )


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
