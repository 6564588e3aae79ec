"""The Strawberry schema of Switchboard."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from .errors import ErrorCodes
from .query import Query
from .types import Assistant, PhoneNumber


class SwitchboardSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorCodes logs what is unexpected; expected errors need no traceback in the log.
        return None


def build_schema() -> strawberry.Schema:
    return SwitchboardSchema(query=Query, types=[PhoneNumber, Assistant], extensions=[ErrorCodes])


def print_sdl() -> str:
    return build_schema().as_str() + "\n"


__all__ = ["build_schema", "print_sdl"]
