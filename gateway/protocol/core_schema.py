"""The graphql-core schema under a Strawberry schema, read in one place.

Strawberry builds a ``graphql.GraphQLSchema`` and executes with it, but keeps it as the
private ``_schema`` with no public accessor. Variable coercion, introspection and the
schema tests need it, so they ask here: if Strawberry renames it, one line changes.
"""

from __future__ import annotations

from graphql import GraphQLSchema
from strawberry import Schema


def core_schema(schema: Schema) -> GraphQLSchema:
    """The graphql-core schema ``schema`` executes with."""
    return schema._schema  # noqa: SLF001 (Strawberry has no public accessor for it)


__all__ = ["core_schema"]
