"""Validation rules the security settings add to the schema."""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule


class NoFederationSDL(ValidationRule):
    """Refuses ``_service`` (the subgraph SDL, a full description of the schema) where
    introspection is switched off and the operator did not make the SDL public."""

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.name.value != "_service":
            return
        if self.context.get_parent_type() is self.context.schema.query_type:
            self.report_error(
                GraphQLError(
                    "The federation SDL (_service) is not public: introspection is off "
                    "and security.federation_sdl_public is not set.",
                    node,
                )
            )
