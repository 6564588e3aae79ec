"""How one provider's upstream calls behave: timeouts, retries, breaker, cap, cache.

One flat model, so a provider can override single fields of the gateway-wide default
(``[resilience]`` and ``[providers.<name>.resilience]`` in the config file, or
``SWITCHBOARD_RESILIENCE__<FIELD>`` in the environment). Every field and its default is
listed in ``docs/resilience.md``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ResilienceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Total time one attempt may take (connect, send, wait, read the whole body), also
    # bounded by the GraphQL request's deadline. The connect and per-read timeouts are
    # the provider's ``connect_timeout`` and ``timeout``.
    attempt_timeout_seconds: float = Field(default=8.0, gt=0)

    # Retries, for idempotent reads only (GET, or a call flagged idempotent).
    max_attempts: int = Field(default=3, ge=1, le=10)
    backoff_base_seconds: float = Field(default=0.1, ge=0)
    backoff_max_seconds: float = Field(default=2.0, ge=0)
    retry_statuses: tuple[int, ...] = (429, 502, 503, 504)
    # Retries allowed per window: min_retries plus ratio x the calls made in the window.
    retry_budget_ratio: float = Field(default=0.2, ge=0)
    retry_budget_min_retries: int = Field(default=10, ge=0)
    retry_budget_window_seconds: float = Field(default=10.0, gt=0)

    # Circuit breaker over a sliding window of attempts.
    breaker_enabled: bool = True
    breaker_window_seconds: float = Field(default=30.0, gt=0)
    breaker_min_calls: int = Field(default=10, ge=1)
    breaker_failure_rate: float = Field(default=0.5, gt=0, le=1)
    breaker_cooldown_seconds: float = Field(default=10.0, gt=0)
    breaker_half_open_probes: int = Field(default=1, ge=1)
    # Also open after this many failed attempts in a row (timeouts included), however
    # few calls the window holds: a hanging upstream yields one attempt per attempt
    # timeout, never ``breaker_min_calls`` of them in a window. 0: only the rate counts.
    breaker_consecutive_failures: int = Field(default=3, ge=0)

    # A GET that failed (after its retries) fails again, without a request, for this
    # long: the pages of one traversal do not each ask a provider that just answered
    # 404 or timed out. 0: every call asks.
    failure_memory_seconds: float = Field(default=2.0, ge=0)

    # At most this many calls in flight to the provider (and pooled connections).
    max_concurrency: int = Field(default=10, ge=1)
    # Concurrent identical idempotent calls share one in-flight call.
    coalesce: bool = True
    # Successful GET responses are served from the page cache this long; 0 disables it.
    cache_ttl_seconds: float = Field(default=5.0, ge=0)

    def merged(self, override: ResilienceSettings | None) -> ResilienceSettings:
        """These settings with the fields ``override`` sets explicitly replaced."""
        if override is None or not override.model_fields_set:
            return self
        return self.model_copy(
            update={name: getattr(override, name) for name in override.model_fields_set}
        )

    @classmethod
    def passthrough(cls) -> ResilienceSettings:
        """One attempt, no breaker, no coalescing, no cache: what a bare client does."""
        return cls(max_attempts=1, breaker_enabled=False, coalesce=False, cache_ttl_seconds=0)
