"""Execution of an admitted operation, through Strawberry's schema and its extensions.

:class:`PreparedOperation` hands Strawberry the document the gate parsed (one parse per
request, syntax errors reported by the gate as before) and coerces the variables before
execution with graphql-core's own function, so that a value of the wrong type is a
request error with code BAD_USER_INPUT, never an internal error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension

from ..security.gate import Admitted
from .core_schema import core_schema

MAX_VARIABLE_ERRORS = 20


class PreparedOperation(SchemaExtension):
    """Uses ``context.admitted`` (set by the endpoint) instead of parsing again."""

    def _admitted(self) -> Admitted | None:
        admitted = getattr(self.execution_context.context, "admitted", None)
        return admitted if isinstance(admitted, Admitted) else None

    def on_parse(self) -> Iterator[None]:
        admitted = self._admitted()
        if admitted is not None:
            self.execution_context.graphql_document = admitted.document
        yield

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        admitted = self._admitted()
        if admitted is not None and ctx.result is None:
            coerced = get_variable_values(
                core_schema(ctx.schema),
                admitted.operation.variable_definitions or (),
                dict(ctx.variables or {}),
                max_errors=MAX_VARIABLE_ERRORS,
            )
            if isinstance(coerced, list):
                ctx.result = GraphQLExecutionResult(
                    data=None, errors=[_bad_input(error) for error in coerced]
                )
        yield


def _bad_input(error: GraphQLError) -> GraphQLError:
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        extensions={"code": "BAD_USER_INPUT"},
    )


def is_request_error(data: Any, errors: list[GraphQLError] | None) -> bool:
    """No data and no error at a field path: the request failed before execution."""
    return data is None and bool(errors) and all(e.path is None for e in errors or ())
