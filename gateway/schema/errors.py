"""Every error leaves with a stable ``extensions.code`` and nothing internal in it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from ..errors import ErrorCode, GatewayError
from .health import record as record_failure

log = logging.getLogger("switchboard.errors")


def _reissue(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    """The same error (location, path) with a safe message and our extensions, and no
    original exception attached."""
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def _classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, GatewayError):
        return _reissue(error, original.message, original.extensions())
    if original is None:
        # Parse and validation errors: graphql-core's own messages are safe to show.
        code = error.extensions.get("code") if error.extensions else None
        if not code:
            code = "GRAPHQL_VALIDATION_FAILED" if error.nodes else "GRAPHQL_PARSE_FAILED"
        return _reissue(error, error.message, {**(error.extensions or {}), "code": code})
    log.error("unexpected error in resolver", exc_info=original)
    return _reissue(error, "Internal server error", {"code": ErrorCode.INTERNAL_SERVER_ERROR.value})


class ErrorCodes(SchemaExtension):
    """Adds partial-data errors from the context and gives every error its code."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None:
            return
        context = self.execution_context.context
        extra = list(getattr(context, "partial_errors", None) or [])
        runtime = getattr(context, "runtime", None)
        for error in [*(result.errors or []), *extra]:
            # Each provider's last error, for Query.providers { health } (schema/health.py).
            record_failure(runtime, error.original_error)
        errors = [_classify(e) for e in (result.errors or [])] + extra
        result.errors = errors or None
