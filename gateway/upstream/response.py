"""Response layer, the last before the network: one attempt's exchange with it.

It counts the attempt, reads the whole body (inside the attempt timeout above), turns
transport failures and upstream statuses into :class:`AttemptFailed` with a typed
:mod:`gateway.errors` error (so nothing above sees an httpx exception or an upstream
body), and decodes it into the :class:`Exchange` (``json.loads``, or the caller's model
straight from the bytes): a malformed body is a failed attempt too, for the breaker and
the failure memory, not a success.
"""

from __future__ import annotations

import httpx

from ..errors import (
    RateLimited,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamHTTPError,
    UpstreamTimeout,
    UpstreamUnauthorized,
    UpstreamUnavailable,
)
from ..resilience import parse_retry_after
from .exchange import AttemptFailed
from .layer import Layer, StackContext
from .wire import Answer, Attempt, Hop


class ResponseTransport(Layer):
    def __init__(self, inner: Hop, context: StackContext) -> None:
        super().__init__(inner)
        self._provider = context.provider
        self._stats = context.stats
        self._requests = context.requests
        self._retry_statuses = frozenset(context.policy.retry_statuses)

    async def send(self, attempt: Attempt) -> Answer:
        exchange = attempt.exchange
        exchange.sent = True
        self._requests[exchange.path] += 1
        self._stats.attempts += 1
        try:
            answer = await self.inner.send(attempt)
        except (TimeoutError, httpx.TimeoutException):
            raise AttemptFailed(
                UpstreamTimeout(self._provider, "upstream call timed out"), transient=False
            ) from None
        except (httpx.TransportError, OSError, RuntimeError):
            # RuntimeError: an in-process (ASGI) upstream that died mid-response.
            raise AttemptFailed(
                UpstreamUnavailable(self._provider, "upstream connection failed"), transient=True
            ) from None
        status = answer.status
        if status >= 400:
            raise self._status_error(answer)
        try:
            exchange.payload = exchange.decode(answer.body)
        except ValueError:  # not JSON at all: json.loads' error, or a decoder's MalformedJSON
            raise AttemptFailed(
                UpstreamBadResponse(
                    self._provider, "upstream returned malformed JSON", status=status
                ),
                transient=False,
            ) from None
        except UpstreamError as wrong_shape:
            exchange.failure = wrong_shape
        exchange.body = answer.body
        return answer

    def _status_error(self, answer: Answer) -> AttemptFailed:
        status = answer.status
        retry_after = parse_retry_after(answer.header("retry-after"))
        error: UpstreamError
        if status in (401, 403):
            error = UpstreamUnauthorized(
                self._provider, "upstream rejected the credentials", status=status
            )
        elif status == 429:
            error = RateLimited(self._provider, "upstream rate limit hit", retry_after=retry_after)
        else:
            error = UpstreamHTTPError(
                self._provider, f"upstream returned HTTP {status}", status=status
            )
        return AttemptFailed(
            error, transient=status in self._retry_statuses, retry_after=retry_after
        )


def response_layer(inner: Hop, context: StackContext) -> ResponseTransport:
    return ResponseTransport(inner, context)
