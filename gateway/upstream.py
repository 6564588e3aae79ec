"""The HTTP client every adapter calls through: one pooled httpx client per provider.

It turns transport failures and upstream statuses into typed :mod:`gateway.errors`, so
adapters never see an httpx exception and clients never see an upstream body. Around
each call it applies the provider's :class:`~gateway.resilience.ResilienceSettings`, in
this order::

    page cache (GET)  ->  failure memory (GET)  ->  coalescing (idempotent)
        ->  retries (idempotent)  ->  request deadline  ->  circuit breaker
        ->  concurrency cap  ->  attempt timeout

Behaviour is configured per provider, never coded per call: adapters only say what to
fetch. ``docs/resilience.md`` lists the settings, their defaults and the error codes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .config import ProviderSettings
from .errors import (
    RateLimited,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamHTTPError,
    UpstreamTimeout,
    UpstreamUnauthorized,
    UpstreamUnavailable,
)
from .model import ProviderName
from .resilience import (
    BreakerState,
    CallDeadline,
    CircuitBreaker,
    CircuitOpen,
    Coalescer,
    FailureMemory,
    PageCache,
    ResilienceSettings,
    RetryBudget,
    SharedCallCancelled,
    credential_fingerprint,
    current_deadline,
    full_jitter,
    parse_retry_after,
    request_key,
)

log = logging.getLogger("switchboard.upstream")

# Methods that are safe to repeat and to share; anything else needs ``idempotent=True``.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class ClientStats:
    """What the client did, for tests, benchmarks and metrics."""

    calls: int = 0  # request_json calls
    attempts: int = 0  # requests sent upstream (retries included)
    retries: int = 0
    cache_hits: int = 0
    coalesced: int = 0  # calls that joined an identical call already in flight
    short_circuited: int = 0  # failed fast by the open breaker
    retries_denied: int = 0  # retries the budget or the deadline did not allow
    remembered: int = 0  # failed again from the failure memory, without a request


@dataclass(frozen=True, slots=True)
class _Call:
    method: str
    path: str
    params: dict[str, Any]
    json_body: Any
    headers: Mapping[str, str]
    retryable: bool


class _Fetched:
    """A successful response, possibly shared by several coalesced callers."""

    __slots__ = ("body", "claimed", "payload")

    def __init__(self, body: bytes, payload: Any) -> None:
        self.body = body
        self.payload = payload
        self.claimed = False

    def take(self) -> Any:
        """The parsed body; the first caller gets the parsed object, others their own copy."""
        if not self.claimed:
            self.claimed = True
            return self.payload
        return json.loads(self.body)


class _AttemptFailed(Exception):
    """Internal: one attempt failed with ``error``; says whether a retry may help."""

    def __init__(
        self,
        error: UpstreamError,
        *,
        transient: bool,
        retry_after: float | None = None,
        judged: bool = True,
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.transient = transient
        self.retry_after = retry_after
        # What the failure says about the provider's health, for the breaker.
        self.healthy = _verdict(error) if judged else None


class UpstreamClient:
    """Calls one provider's API. Created once per provider for the app's lifetime.

    Without ``policy`` the client makes single attempts (timeouts and the concurrency
    cap still apply): what the adapter contract tests exercise. The runtime always
    passes the configured policy and the shared page cache.
    """

    def __init__(
        self,
        provider: ProviderName,
        settings: ProviderSettings,
        headers: dict[str, str],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: ResilienceSettings | None = None,
        cache: PageCache | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.provider = provider
        self.policy = policy = policy or ResilienceSettings.passthrough()
        self.requests: Counter[str] = Counter()  # requests sent, by path
        self.stats = ClientStats()
        # What the breaker and the failure memory read as "now"; tests set their own.
        self.clock: Callable[[], float] = time.monotonic
        self._base_url = settings.base_url or ""
        self._client = httpx.AsyncClient(
            base_url=self._base_url,
            headers={"Accept": "application/json", **headers},
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            limits=httpx.Limits(
                max_connections=policy.max_concurrency,
                max_keepalive_connections=policy.max_concurrency,
            ),
            transport=transport,
            follow_redirects=False,
        )
        self._credentials = credential_fingerprint(self._client.headers)
        self._slots = asyncio.Semaphore(policy.max_concurrency)
        self._budget = RetryBudget(
            ratio=policy.retry_budget_ratio,
            min_retries=policy.retry_budget_min_retries,
            window_seconds=policy.retry_budget_window_seconds,
        )
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
        self._cache = cache if policy.cache_ttl_seconds > 0 else None
        self._memory = FailureMemory(policy.failure_memory_seconds, clock=self._now)
        self._inflight: Coalescer[_Fetched] = Coalescer()
        # Bumped by every write, so reads after it miss the cache and in-flight reads.
        self._generation = 0
        self._rng = rng or random.Random()

    def _now(self) -> float:
        return self.clock()

    async def aclose(self) -> None:
        self._inflight.cancel_all()
        await self._client.aclose()

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self.request_json("GET", path, params=params)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request and return its parsed JSON body, or raise an UpstreamError.

        Reads (GET/HEAD/OPTIONS) are retried, coalesced and (GET) cached; other methods
        are sent exactly once unless ``idempotent=True`` says repeating them is safe,
        and are never shared or cached.
        """
        method = method.upper()
        safe = method in SAFE_METHODS
        self.stats.calls += 1
        call = _Call(
            method=method,
            path=path,
            params={k: _param(v) for k, v in (params or {}).items() if v is not None},
            json_body=json_body,
            headers=dict(headers or {}),
            retryable=safe if idempotent is None else idempotent,
        )
        deadline = current_deadline()
        if not safe:
            # A write may change what reads return: later reads start afresh.
            self._generation += 1
            return (await self._fetch(call, CallDeadline(deadline), None)).take()
        key = self._key(call)
        cacheable = self._cache is not None and method == "GET"
        if cacheable and self._cache is not None:
            cached = await self._cache.get(key)
            if cached is not None:
                self.stats.cache_hits += 1
                return json.loads(cached)
        remembered = self._memory.recall(key) if method == "GET" else None
        if remembered is not None:
            self.stats.remembered += 1
            raise remembered.with_traceback(None)
        cache_key = key if cacheable else None
        memory_key = key if method == "GET" else None
        if not self.policy.coalesce:
            return (await self._fetch(call, CallDeadline(deadline), cache_key, memory_key)).take()
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
        return fetched.take()

    # -- one logical call: attempts and retries --------------------------------------------

    async def _fetch(
        self,
        call: _Call,
        deadline: CallDeadline,
        cache_key: str | None,
        memory_key: str | None = None,
    ) -> _Fetched:
        self._budget.record_call()
        attempt = 0
        while True:
            attempt += 1
            try:
                fetched = await self._attempt(call, deadline)
            except _AttemptFailed as failed:
                delay = self._retry_delay(call, deadline, failed, attempt)
                if delay is None:
                    if memory_key is not None and _memorable(failed):
                        self._memory.remember(memory_key, failed.error)
                    raise failed.error from None
                self.stats.retries += 1
                log.info(
                    "upstream retry",
                    extra={
                        "provider": self.provider.value,
                        "method": call.method,
                        "upstream_path": call.path,
                        "attempt": attempt + 1,
                        "reason": failed.error.code.value,
                        "upstream_status": failed.error.status,
                        "delay_ms": round(delay * 1000, 1),
                    },
                )
                await asyncio.sleep(delay)
                continue
            if cache_key is not None and self._cache is not None:
                await self._cache.set(cache_key, fetched.body, self.policy.cache_ttl_seconds)
            return fetched

    def _retry_delay(
        self, call: _Call, deadline: CallDeadline, failed: _AttemptFailed, attempt: int
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        policy = self.policy
        if not (call.retryable and failed.transient and attempt < policy.max_attempts):
            return None
        if failed.retry_after is not None:
            delay = failed.retry_after
        else:
            delay = full_jitter(
                attempt, policy.backoff_base_seconds, policy.backoff_max_seconds, self._rng
            )
        why = None
        if delay >= deadline.remaining():
            why = "the wait would pass the request deadline"
        elif not self._budget.try_spend():
            why = "the retry budget is used up"
        if why is not None:
            self.stats.retries_denied += 1
            log.info(
                "upstream retry skipped: %s",
                why,
                extra={
                    "provider": self.provider.value,
                    "upstream_path": call.path,
                    "reason": failed.error.code.value,
                },
            )
            return None
        return delay

    async def _attempt(self, call: _Call, deadline: CallDeadline) -> _Fetched:
        if deadline.remaining() <= 0:
            raise _AttemptFailed(  # the request's own time ran out: no verdict on the provider
                UpstreamTimeout(self.provider, "request deadline exceeded"),
                transient=False,
                judged=False,
            )
        ticket = None
        if self.breaker is not None:
            ticket = self.breaker.acquire()
            if ticket is None:
                self.stats.short_circuited += 1
                raise _AttemptFailed(
                    CircuitOpen(self.provider, "circuit breaker open, failing fast"),
                    transient=False,
                )
        healthy: bool | None = None  # the breaker's verdict; None: none (e.g. cancelled)
        try:
            fetched, healthy = await self._send(call, deadline)
            return fetched
        except _AttemptFailed as failed:
            healthy = failed.healthy
            raise
        finally:
            if ticket is not None and self.breaker is not None:
                self.breaker.record(ticket, healthy)

    async def _send(self, call: _Call, deadline: CallDeadline) -> tuple[_Fetched, bool]:
        sent = False
        try:
            async with deadline.timeout(self.policy.attempt_timeout_seconds), self._slots:
                sent = True
                self.requests[call.path] += 1
                self.stats.attempts += 1
                response = await self._client.request(
                    call.method,
                    call.path,
                    params=call.params,
                    json=call.json_body,
                    headers=call.headers or None,
                )
                body = await response.aread()
        except (TimeoutError, httpx.TimeoutException):
            message = "upstream call timed out" if sent else "no free upstream connection in time"
            raise _AttemptFailed(
                UpstreamTimeout(self.provider, message), transient=False, judged=sent
            ) from None
        except (httpx.TransportError, OSError, RuntimeError):
            # RuntimeError: an in-process (ASGI) upstream that died mid-response.
            raise _AttemptFailed(
                UpstreamUnavailable(self.provider, "upstream connection failed"), transient=True
            ) from None
        status = response.status_code
        if status >= 400:
            raise self._status_error(response)
        try:
            payload = json.loads(body)
        except ValueError:
            raise _AttemptFailed(
                UpstreamBadResponse(
                    self.provider, "upstream returned malformed JSON", status=status
                ),
                transient=False,
            ) from None
        return _Fetched(body, payload), True

    def _status_error(self, response: httpx.Response) -> _AttemptFailed:
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        error: UpstreamError
        if status in (401, 403):
            error = UpstreamUnauthorized(
                self.provider, "upstream rejected the credentials", status=status
            )
        elif status == 429:
            error = RateLimited(self.provider, "upstream rate limit hit", retry_after=retry_after)
        else:
            error = UpstreamHTTPError(
                self.provider, f"upstream returned HTTP {status}", status=status
            )
        return _AttemptFailed(
            error, transient=status in self.policy.retry_statuses, retry_after=retry_after
        )

    # -- helpers ---------------------------------------------------------------------------

    def _key(self, call: _Call) -> str:
        credentials = self._credentials
        if call.headers:
            credentials = credential_fingerprint({**self._client.headers, **call.headers})
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


def _memorable(failed: _AttemptFailed) -> bool:
    """Whether a failure says something about the endpoint worth remembering: it
    answered with an error or a bad body, timed out, or could not be reached. Not a rate
    limit (it says when to come back), an open breaker, or a request out of time."""
    return failed.healthy is not None and not isinstance(failed.error, CircuitOpen)


def _verdict(error: UpstreamError) -> bool | None:
    """What an error says about the provider's health, for the breaker."""
    if isinstance(error, RateLimited):
        return None  # healthy, but asked us to slow down
    if isinstance(error, (UpstreamTimeout, UpstreamUnavailable, UpstreamBadResponse)):
        return False
    # A 5xx counts against the provider; a 4xx means it answered.
    return error.status is None or error.status < 500


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
