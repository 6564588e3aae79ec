"""The Strawberry schema of Switchboard: an Apollo Federation v2 subgraph, or plain."""

from __future__ import annotations

from typing import Any

import strawberry

from .errors import ErrorCodes
from .executor import PlainFieldExecutor
from .federation import PlainSchema, SubgraphSchema, build_plain, build_subgraph
from .mutation import Mutation
from .query import Query
from .types import Assistant, PhoneNumber

SwitchboardSchema = PlainSchema


def _schema_args() -> dict[str, Any]:
    return {
        "query": Query,
        "mutation": Mutation,
        "types": [PhoneNumber, Assistant],
        "extensions": [ErrorCodes],
        "execution_context_class": PlainFieldExecutor,
    }


def build_schema(*, federation: bool = True) -> strawberry.Schema:
    """The served schema: a federation subgraph (``_entities``, ``_service``) or plain."""
    if federation:
        return build_subgraph(**_schema_args())
    return build_plain(**_schema_args())


def print_sdl() -> str:
    """The client-facing SDL (schema/schema.graphql): the schema without federation."""
    return build_schema(federation=False).as_str() + "\n"


def print_subgraph_sdl() -> str:
    """The subgraph SDL a router composes, as ``{ _service { sdl } }`` returns it."""
    return build_schema(federation=True).as_str() + "\n"


__all__ = [
    "SubgraphSchema",
    "SwitchboardSchema",
    "build_schema",
    "print_sdl",
    "print_subgraph_sdl",
]
