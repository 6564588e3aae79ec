"""The JSON client adapters call, over a stack of layers, one layer a module.

:class:`UpstreamClient` (:mod:`.client`) keeps what needs call keys and parsed bodies
(page cache, failure memory, coalescing, the call's deadline); each attempt goes through
the layers of :mod:`.stack`, in the order given there: :mod:`.retry`, :mod:`.breaker`,
:mod:`.timeout`, :mod:`.concurrency`, :mod:`.response`, then the observers (metrics,
tracing) and :mod:`.network`. Each layer is a :class:`Hop` around an inner one
(:mod:`.layer`), passing an :class:`Attempt` down and an :class:`Answer` up
(:mod:`.wire`); what one call's layers share travels in its :class:`Exchange`.
"""

from .client import UpstreamClient
from .exchange import (
    SAFE_METHODS,
    AttemptFailed,
    Decode,
    Exchange,
    MalformedJSON,
)
from .layer import ClientStats, Layer, LayerFactory, StackContext, compose
from .stack import PER_ATTEMPT_LAYERS
from .wire import Answer, Attempt, Hop

__all__ = [
    "PER_ATTEMPT_LAYERS",
    "SAFE_METHODS",
    "Answer",
    "Attempt",
    "AttemptFailed",
    "ClientStats",
    "Decode",
    "Exchange",
    "Hop",
    "Layer",
    "LayerFactory",
    "MalformedJSON",
    "StackContext",
    "UpstreamClient",
    "compose",
]
