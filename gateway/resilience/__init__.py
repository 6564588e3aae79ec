"""Resilient upstream calls: the pieces :class:`gateway.upstream.UpstreamClient` combines.

Each module does one thing: :mod:`.deadline` (the per-request deadline), :mod:`.retry`
(backoff, ``Retry-After``, retry budget), :mod:`.breaker` (circuit breaker),
:mod:`.coalesce` (shared in-flight calls), :mod:`.cache` (TTL page cache),
:mod:`.memory` (failed reads remembered briefly) and :mod:`.settings` (their
configuration). ``docs/resilience.md`` describes the behaviour.
"""

from .breaker import BreakerState, CircuitBreaker, CircuitOpen, Ticket
from .cache import MemoryCache, PageCache, credential_fingerprint, request_key
from .coalesce import Coalescer, SharedCallCancelled
from .deadline import (
    CallDeadline,
    Deadline,
    DeadlineMiddleware,
    current_deadline,
    deadline_scope,
)
from .memory import FailureMemory
from .retry import RetryBudget, full_jitter, parse_retry_after
from .settings import ResilienceSettings
from .window import SlidingCounter

__all__ = [
    "BreakerState",
    "CallDeadline",
    "CircuitBreaker",
    "CircuitOpen",
    "Coalescer",
    "Deadline",
    "DeadlineMiddleware",
    "FailureMemory",
    "MemoryCache",
    "PageCache",
    "ResilienceSettings",
    "RetryBudget",
    "SharedCallCancelled",
    "SlidingCounter",
    "Ticket",
    "credential_fingerprint",
    "current_deadline",
    "deadline_scope",
    "full_jitter",
    "parse_retry_after",
    "request_key",
]
