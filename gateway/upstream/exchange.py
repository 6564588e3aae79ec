"""What the layers of one upstream call share: the call's state and the typed failure.

What a layer needs beyond the request (the call's deadline, whether it may be repeated)
and what one layer tells another (whether the attempt got past the concurrency cap, the
parsed body) travels in one :class:`Exchange`, the attempt's ``exchange``
(gateway/upstream/wire.py). The client creates it; the layers only read and fill it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..errors import (
    RateLimited,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from ..resilience import CallDeadline, CircuitOpen

# Methods that are safe to repeat and to share; anything else needs ``idempotent=True``.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Turns a response body into what the caller reads: ``json.loads``, or a provider's
# model validated from the bytes (providers/base.py ``decoder``). It raises ValueError
# for a body that is not JSON (a failed attempt) and an UpstreamError for JSON of
# another shape (the call's answer: the attempt succeeded).
Decode = Callable[[bytes], Any]


class MalformedJSON(ValueError):
    """The body is not JSON at all (as opposed to JSON of an unexpected shape)."""


class Exchange:
    """One logical call (its attempts included), as its layers see it."""

    __slots__ = (
        "body",
        "claimed",
        "deadline",
        "decode",
        "failure",
        "path",
        "payload",
        "retryable",
        "sent",
    )

    def __init__(
        self, deadline: CallDeadline, path: str, *, retryable: bool, decode: Decode = json.loads
    ) -> None:
        self.deadline = deadline
        self.path = path  # as the adapter gave it: what counts and logs name
        self.retryable = retryable
        self.decode = decode
        self.sent = False  # this attempt got a slot and went to the network
        self.body = b""
        self.payload: Any = None
        # JSON, but not of the shape ``decode`` wants: raised to the caller, not counted
        # against the upstream's health (the body is cached as any answer is).
        self.failure: Exception | None = None
        self.claimed = False

    def take(self, decode: Decode = json.loads) -> Any:
        """The decoded body; the first caller gets the decoded object, the others
        (coalesced callers, or one that decodes otherwise) their own, so no caller can
        change what another one reads."""
        if not self.claimed and decode is self.decode:
            self.claimed = True
            if self.failure is not None:
                raise self.failure
            return self.payload
        return decode(self.body)


class AttemptFailed(Exception):
    """One attempt failed with ``error``; says whether a retry may help and what the
    failure says about the provider's health (for the breaker and the failure memory)."""

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
        # True healthy, False failing, None no verdict (e.g. the request's own time ran out).
        self.healthy = verdict(error) if judged else None

    @property
    def memorable(self) -> bool:
        """Whether the failure says something about the endpoint worth remembering: it
        answered with an error or a bad body, timed out, or could not be reached. Not a
        rate limit (it says when to come back), an open breaker, or a request out of time."""
        return self.healthy is not None and not isinstance(self.error, CircuitOpen)


def verdict(error: UpstreamError) -> bool | None:
    """What an error says about the provider's health, for the breaker."""
    if isinstance(error, RateLimited):
        return None  # healthy, but asked us to slow down
    if isinstance(error, (UpstreamTimeout, UpstreamUnavailable, UpstreamBadResponse)):
        return False
    # A 5xx counts against the provider; a 4xx means it answered.
    return error.status is None or error.status < 500
