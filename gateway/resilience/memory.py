"""A short memory of failed reads: a negative cache per upstream client.

When a GET has failed (after its retries), the same GET within ``ttl_seconds`` fails
again with the same error without a request. The pages of one traversal, and the
requests of many clients, then stop asking a provider that answered 404 or hung a
moment ago; the breaker covers the provider as a whole, this covers single endpoints.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from ..errors import UpstreamError
from .window import Clock


class FailureMemory:
    def __init__(
        self, ttl_seconds: float, *, max_entries: int = 1024, clock: Clock = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._failed: OrderedDict[str, tuple[float, UpstreamError]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._failed)

    def recall(self, key: str) -> UpstreamError | None:
        """The error ``key`` failed with, while it is remembered."""
        entry = self._failed.get(key)
        if entry is None:
            return None
        expires, error = entry
        if self._clock() >= expires:
            del self._failed[key]
            return None
        return error

    def remember(self, key: str, error: UpstreamError) -> None:
        if self.ttl_seconds <= 0:
            return
        self._failed[key] = (self._clock() + self.ttl_seconds, error)
        self._failed.move_to_end(key)
        while len(self._failed) > self._max:
            self._failed.popitem(last=False)

    def forget(self, key: str) -> None:
        self._failed.pop(key, None)
