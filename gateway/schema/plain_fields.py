"""Which fields the executor may read without graphql-core's per-field machinery.

"Plain" is decided once per field definition, the way Strawberry decides it: the resolver
Strawberry marks as its default (no resolver, extension, permission or error handler on
the field) reading an attribute, no arguments, and a scalar, enum or object type, or a
list of objects. A resolver can also say what it would answer without its info:
``@answered_by(peek)`` registers ``peek(source, context)``, which returns the field's value
when the request already knows it (an embedded assistant, a list the look-ahead read)
and ``UNKNOWN`` otherwise; then the resolver itself runs, the general way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLString,
    is_leaf_type,
    is_object_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Peek = Callable[[Any, Any], Any]
UNKNOWN: Any = object()  # what a peek returns when only the resolver can answer

_PEEKS: dict[Callable[..., Any], Peek] = {}

F = TypeVar("F", bound=Callable[..., Any])


def answered_by(peek: Peek) -> Callable[[F], F]:
    """Register ``peek`` as what the decorated resolver answers when it needs no info."""

    def register(resolver: F) -> F:
        _PEEKS[resolver] = peek
        return resolver

    return register


class Plain(NamedTuple):
    """How to read one plain field."""

    attribute: str | None  # the field is this attribute of its source (getattr), or:
    peek: Peek | None  # (source, context) -> the value, or UNKNOWN
    declared: GraphQLOutputType  # the field type, for the error handling
    nullable: bool
    leaf: GraphQLLeafType | None = None  # a scalar or enum, or:
    object: GraphQLObjectType | None = None  # an object, or:
    item: GraphQLObjectType | None = None  # a list of these objects,
    item_type: GraphQLOutputType | None = None  # declared (non-null or not)
    # A leaf's values of exactly this Python type coerce to themselves (String and ID:
    # str, Boolean: bool), so reading one needs no coercion call.
    same: type | None = None


_SAME: dict[GraphQLScalarType, type] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}


def _strip(type_: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    if isinstance(type_, GraphQLNonNull):
        return type_.of_type, False
    return type_, True


def _reader(field: GraphQLField) -> tuple[str | None, Peek | None]:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if field.args or not isinstance(definition, StrawberryField):
        return None, None
    if getattr(field.resolve, "_is_default", False):
        if definition.base_resolver is None and definition.default_resolver is getattr:
            return definition.python_name, None  # what Strawberry's get_result reads
        return None, None
    if definition.extensions:
        return None, None  # a field extension (a permission, say) must see every call
    resolver = definition.base_resolver
    wrapped = resolver.wrapped_func if resolver is not None else None
    return None, _PEEKS.get(wrapped) if callable(wrapped) else None


def plan(field: GraphQLField) -> Plain | None:
    """How to read ``field`` directly, or None where graphql-core's path must run."""
    attribute, peek = _reader(field)
    if attribute is None and peek is None:
        return None
    named, nullable = _strip(field.type)
    if is_leaf_type(named):
        same = _SAME.get(named) if isinstance(named, GraphQLScalarType) else None
        return Plain(attribute, peek, field.type, nullable, leaf=named, same=same)
    if is_object_type(named):
        return Plain(attribute, peek, field.type, nullable, object=named)
    if isinstance(named, GraphQLList) and attribute is not None:
        item, _ = _strip(named.of_type)
        if is_object_type(item):
            return Plain(
                attribute,
                None,
                field.type,
                nullable,
                item=item,
                item_type=named.of_type,
            )
    return None


__all__ = ["UNKNOWN", "Plain", "answered_by", "plan"]
