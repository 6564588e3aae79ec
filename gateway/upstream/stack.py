"""The order of the per-attempt layers, as data (outermost first).

::

    retry (+ budget, deadline check)  ->  circuit breaker  ->  attempt timeout
        ->  concurrency cap  ->  response (count, read, classify, parse)
        ->  observers (tracing, metrics: ``UpstreamClient.add_observer``)  ->  network

Above the stack, in :class:`~gateway.upstream.UpstreamClient`, sit the parts that need
call keys and parsed bodies: page cache, failure memory, coalescing and the call's
deadline. Why this order: the breaker judges every attempt, retries included; the
attempt timeout includes the wait for a slot; the response layer is inside the timeout,
so reading a slow body counts; observers see each attempt as it goes to the network.
"""

from __future__ import annotations

from .breaker import breaker_layer
from .concurrency import concurrency_layer
from .layer import LayerFactory
from .response import response_layer
from .retry import retry_layer
from .timeout import attempt_timeout_layer

PER_ATTEMPT_LAYERS: tuple[LayerFactory, ...] = (
    retry_layer,
    breaker_layer,
    attempt_timeout_layer,
    concurrency_layer,
    response_layer,
)
