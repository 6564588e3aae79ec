"""Typed errors with the stable ``extensions.code`` values clients can rely on."""

from __future__ import annotations

import enum

from .model import ProviderName


class ErrorCode(enum.StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    BAD_CURSOR = "BAD_CURSOR"
    NOT_FOUND = "NOT_FOUND"
    UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT"
    UPSTREAM_HTTP_ERROR = "UPSTREAM_HTTP_ERROR"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_BAD_RESPONSE = "UPSTREAM_BAD_RESPONSE"
    UPSTREAM_UNAUTHORIZED = "UPSTREAM_UNAUTHORIZED"
    RATE_LIMITED = "RATE_LIMITED"
    SORT_LIMIT_EXCEEDED = "SORT_LIMIT_EXCEEDED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class GatewayError(Exception):
    """Base of every error that may reach a client; its message is safe to show."""

    code: ErrorCode = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def extensions(self) -> dict[str, object]:
        return {"code": self.code.value}


class Refusal(GatewayError):
    """A request refused before it executes, with its own code and the HTTP status to
    answer with (query limits, persisted queries, authentication, read-only keys)."""

    def __init__(self, code: str, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.refusal_code = code
        self.http_status = http_status

    def extensions(self) -> dict[str, object]:
        return {"code": self.refusal_code}


class UserInputError(GatewayError):
    code = ErrorCode.BAD_USER_INPUT


class BadCursorError(GatewayError):
    code = ErrorCode.BAD_CURSOR


class SortLimitExceeded(GatewayError):
    """A sorted list would need more of one provider's items than the gateway reads per
    request (``sorted_max_items_per_provider``). Not an upstream failure: the provider
    answered, and asking again will not help; its items are left out of the sorted list."""

    code = ErrorCode.SORT_LIMIT_EXCEEDED

    def __init__(self, provider: ProviderName, limit: int) -> None:
        super().__init__(
            f"{provider.value}: more than {limit} items to sort (sorted_max_items_per_provider); "
            "its items are left out of this sorted list: narrow the filter, or page unsorted"
        )
        self.provider = provider

    def extensions(self) -> dict[str, object]:
        return {"code": self.code.value, "provider": self.provider.value}


class UpstreamError(GatewayError):
    """A provider call failed. The message never carries the upstream body or credentials."""

    code = ErrorCode.UPSTREAM_HTTP_ERROR

    def __init__(self, provider: ProviderName, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{provider.value}: {message}")
        self.provider = provider
        self.status = status

    def extensions(self) -> dict[str, object]:
        ext: dict[str, object] = {"code": self.code.value, "provider": self.provider.value}
        if self.status is not None:
            ext["upstreamStatus"] = self.status
        return ext


class UpstreamHTTPError(UpstreamError):
    code = ErrorCode.UPSTREAM_HTTP_ERROR


class UpstreamUnauthorized(UpstreamError):
    code = ErrorCode.UPSTREAM_UNAUTHORIZED


class UpstreamTimeout(UpstreamError):
    code = ErrorCode.UPSTREAM_TIMEOUT


class UpstreamUnavailable(UpstreamError):
    code = ErrorCode.UPSTREAM_UNAVAILABLE


class UpstreamBadResponse(UpstreamError):
    code = ErrorCode.UPSTREAM_BAD_RESPONSE


class DanglingLink(UpstreamBadResponse):
    """A number says it is linked to an assistant its provider's assistant list lacks:
    reported, never shown as "no assistant"."""


class RateLimited(UpstreamError):
    code = ErrorCode.RATE_LIMITED

    def __init__(
        self, provider: ProviderName, message: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(provider, message, status=429)
        self.retry_after = retry_after
