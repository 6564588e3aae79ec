"""Concurrency-cap layer: at most ``max_concurrency`` attempts to the provider in flight,
so a slow provider cannot take every connection or task. The wait for a slot is inside
the attempt timeout (the layer above)."""

from __future__ import annotations

import asyncio

import httpx

from .layer import Layer, StackContext


class ConcurrencyTransport(Layer):
    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        super().__init__(inner)
        self._slots = asyncio.Semaphore(limit)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self._slots:
            return await self.inner.handle_async_request(request)


def concurrency_layer(
    inner: httpx.AsyncBaseTransport, context: StackContext
) -> ConcurrencyTransport:
    return ConcurrencyTransport(inner, context.policy.max_concurrency)
