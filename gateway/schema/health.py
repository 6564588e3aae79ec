"""``providers { health { state lastError { code at } } }``: each provider's health as the
caller's tenant sees it.

``/readyz`` answers for the whole replica and names no tenant; a frontend or an operator
asking *which of my providers is down, and since when* needs it per tenant and through
the API they already use. The state is the circuit breaker's, read from the tenant's own
runtime (``observability.health.breaker_state``), so one tenant never sees another's.

The last error is recorded here, not in the upstream client: every upstream failure that
reaches a response passes through :class:`~gateway.schema.errors.ErrorCodes`, which calls
:func:`record` with the runtime of the request. That is the error a client actually got
(after the retries the client made on its behalf), with the code it got. An open breaker's
fail-fast (``CircuitOpen``) is not recorded: it says nothing new about the provider, and
keeping the error that opened the breaker is what tells an operator why it is open.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import strawberry

from ..errors import UpstreamError
from ..model import ProviderName
from ..observability.health import breaker_state
from ..resilience.breaker import CircuitOpen
from ..runtime import ProviderFailure, Runtime
from .docs import describe_values


def record(runtime: Runtime | None, error: BaseException | None) -> None:
    """Remember ``error`` as its provider's last error in ``runtime`` (the tenant's), if it
    is an upstream failure other than an open breaker's fail-fast."""
    if runtime is None or not isinstance(error, UpstreamError) or isinstance(error, CircuitOpen):
        return
    runtime.last_errors[error.provider] = ProviderFailure(
        code=error.code.value,
        message=error.message,
        upstream_status=error.status,
        at=datetime.now(UTC),
    )


class BreakerStateValue(enum.StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"
    DISABLED = "DISABLED"
    UNKNOWN = "UNKNOWN"


BreakerState = strawberry.enum(
    BreakerStateValue,
    name="BreakerState",
    description="The provider's circuit breaker in this tenant (docs/resilience.md).",
)
_STATES = {
    "CLOSED": "Calls go through; failures are counted.",
    "OPEN": "Calls fail fast with UPSTREAM_UNAVAILABLE, without reaching the provider, "
    "until breaker_cooldown_seconds have passed since it opened.",
    "HALF_OPEN": "Cooled down: the next calls probe the provider; a success closes the "
    "breaker, a failure opens it again.",
    "DISABLED": "This provider has no breaker (resilience.breaker_enabled = false).",
    "UNKNOWN": "The state cannot be read.",
}
describe_values(BreakerStateValue, _STATES)


@strawberry.type(description="An upstream error a request of this tenant got from a provider.")
class ProviderError:
    code: str = strawberry.field(
        description="The error's extensions.code: UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, "
        "UPSTREAM_HTTP_ERROR, UPSTREAM_BAD_RESPONSE, UPSTREAM_UNAUTHORIZED or RATE_LIMITED."
    )
    message: str = strawberry.field(
        description='The error\'s message, e.g. "flireo: upstream returned HTTP 503"; never '
        "the upstream's body or credentials."
    )
    upstream_status: int | None = strawberry.field(
        description="The HTTP status the provider answered with; null when it did not answer."
    )
    at: datetime = strawberry.field(description="When the gateway gave up on it (UTC).")


@strawberry.type(description="How a provider is doing, as seen by the caller's tenant only.")
class ProviderHealth:
    state: BreakerState = strawberry.field(  # type: ignore[valid-type]
        description="Its circuit breaker's state: OPEN means requests to it fail fast."
    )
    last_error: ProviderError | None = strawberry.field(
        description="The last upstream error a request of this tenant got from it since the "
        "gateway started (or its config was reloaded); null if none. Retries that "
        "succeeded and an open breaker's fail-fast are not errors here. An error older than "
        "the last success is still shown: compare `at` with the state."
    )


def provider_health(runtime: Runtime, provider: ProviderName) -> ProviderHealth:
    failure = runtime.last_errors.get(provider)
    last = None
    if failure is not None:
        last = ProviderError(
            code=failure.code,
            message=failure.message,
            upstream_status=failure.upstream_status,
            at=failure.at,
        )
    state = breaker_state(runtime, provider).upper()
    known = state in BreakerStateValue.__members__
    return ProviderHealth(
        state=BreakerStateValue(state) if known else BreakerStateValue.UNKNOWN, last_error=last
    )


__all__ = ["BreakerState", "ProviderError", "ProviderHealth", "provider_health", "record"]
