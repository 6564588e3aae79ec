"""Concurrency-cap layer: at most ``max_concurrency`` attempts to the provider in flight,
so a slow provider cannot take every connection or task. The wait for a slot is inside
the attempt timeout (the layer above)."""

from __future__ import annotations

import asyncio

from .layer import Layer, StackContext
from .wire import Answer, Attempt, Hop


class ConcurrencyTransport(Layer):
    def __init__(self, inner: Hop, limit: int) -> None:
        super().__init__(inner)
        self._slots = asyncio.Semaphore(limit)

    async def send(self, attempt: Attempt) -> Answer:
        async with self._slots:
            return await self.inner.send(attempt)


def concurrency_layer(inner: Hop, context: StackContext) -> ConcurrencyTransport:
    return ConcurrencyTransport(inner, context.policy.max_concurrency)
