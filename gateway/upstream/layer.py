"""The unit the upstream stack is built from: a hop wrapping an inner hop.

A layer is a :class:`~gateway.upstream.wire.Hop` whose ``send`` does its one job around
``self.inner``'s, as httpx's transports compose (but over our own attempt and answer,
gateway/upstream/wire.py). A :data:`LayerFactory` builds one from the inner hop and the
client's :class:`StackContext` (the provider's resilience settings, the counters, the
shared breaker); a factory may also return the inner hop unchanged when the settings
turn its layer off.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from ..model import ProviderName
from ..resilience import CircuitBreaker, ResilienceSettings
from ..resilience.window import Clock
from .wire import Hop


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
class StackContext:
    """What the layers of one provider's client are built from and report to."""

    provider: ProviderName
    policy: ResilienceSettings
    stats: ClientStats = field(default_factory=ClientStats)
    requests: Counter[str] = field(default_factory=Counter)  # requests sent, by path
    breaker: CircuitBreaker | None = None  # the client's, so health and metrics see it
    rng: random.Random = field(default_factory=random.Random)  # backoff jitter
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # backoff waits
    clock: Clock = time.monotonic  # the retry budget's window


class Layer:
    """Base of the layers: holds the inner hop and closes it with itself."""

    def __init__(self, inner: Hop) -> None:
        self.inner = inner

    async def aclose(self) -> None:
        await self.inner.aclose()


LayerFactory = Callable[[Hop, StackContext], Hop]


def compose(network: Hop, layers: Sequence[LayerFactory], context: StackContext) -> Hop:
    """``layers`` (outermost first) stacked on ``network``: the hop to send through."""
    transport = network
    for layer in reversed(layers):
        transport = layer(transport, context)
    return transport
