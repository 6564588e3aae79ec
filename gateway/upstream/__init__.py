"""The JSON client adapters call, over a stack of httpx transports, one layer a module.

:class:`UpstreamClient` (:mod:`.client`) keeps what needs call keys and parsed bodies
(page cache, failure memory, coalescing, the call's deadline); each attempt goes through
the layers of :mod:`.stack`, in the order given there: :mod:`.retry`, :mod:`.breaker`,
:mod:`.timeout`, :mod:`.concurrency`, :mod:`.response`, then the observers (metrics,
tracing) and :mod:`.network`. Each layer is an ``httpx.AsyncBaseTransport`` around an
inner one (:mod:`.layer`); what one call's layers share travels in its :class:`Exchange`.
"""

from .client import UpstreamClient
from .exchange import (
    EXCHANGE,
    SAFE_METHODS,
    AttemptFailed,
    Decode,
    Exchange,
    MalformedJSON,
    exchange_of,
)
from .layer import ClientStats, Layer, LayerFactory, StackContext, compose
from .stack import PER_ATTEMPT_LAYERS

__all__ = [
    "EXCHANGE",
    "PER_ATTEMPT_LAYERS",
    "SAFE_METHODS",
    "AttemptFailed",
    "ClientStats",
    "Decode",
    "Exchange",
    "Layer",
    "LayerFactory",
    "MalformedJSON",
    "StackContext",
    "UpstreamClient",
    "compose",
    "exchange_of",
]
