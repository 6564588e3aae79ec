"""graphql-core's executor with a fast path for plain fields.

A page of 100 numbers executes about 450 fields, and most are read straight off an
attribute (``node``, ``number``, ``Assistant.name``). graphql-core builds a
``GraphQLResolveInfo``, a path, an awaitable check and a ``complete_value`` walk for
each, though a plain attribute reads no info. Here such a field is read directly: a leaf
is coerced, an object's own selection is executed.

"Plain" is decided once per field definition, the way Strawberry decides it: the resolver
Strawberry marks as its default (no resolver, extension, permission or error handler on
the field), no arguments, and a scalar, enum or object type (not a list, not abstract).
A plain field whose value is not simply valid (null on a non-null field, a value the
scalar refuses, an object its type does not own) goes through graphql-core's own
``execute_field``, as does every other field, so errors, paths and null propagation stay
graphql-core's. A schema extension with a ``resolve`` hook (graphql-core middleware)
turns the fast path off.

A resolver can also say what it would answer without its info: ``@answered_by(peek)``
registers ``peek(source, context)``, which returns the field's value when the request
already knows it (an embedded assistant, a list the look-ahead read) and ``UNKNOWN``
otherwise; on ``UNKNOWN`` (or any error) the resolver itself runs, the general way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple, TypeVar
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    is_leaf_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
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


def _read_plain(resolve: Any) -> Peek:
    return lambda source, _context: resolve(source, None)


class _Plain(NamedTuple):
    read: Peek  # (source, context) -> the value, or UNKNOWN
    type: GraphQLOutputType  # as declared, for the error handling
    leaf: GraphQLLeafType | None
    object: GraphQLObjectType | None
    nullable: bool


_UNPLANNED = object()
_GENERAL = object()  # "take graphql-core's path for this field"

# schema -> (type name, field name) -> the field's fast path, or None for the general one.
# Weak, so a schema replaced on reload takes its plans with it.
_PLANS: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], _Plain | None]] = WeakKeyDictionary()


def _reader(field: GraphQLField) -> Peek | None:
    if field.args:
        return None
    if getattr(field.resolve, "_is_default", False):
        return _read_plain(field.resolve)
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.extensions:
        return None  # a field extension (a permission, say) must see every call
    resolver = definition.base_resolver
    wrapped = resolver.wrapped_func if resolver is not None else None
    return _PEEKS.get(wrapped) if callable(wrapped) else None


def _plain(field: GraphQLField) -> _Plain | None:
    read = _reader(field)
    if read is None:
        return None
    nullable = not isinstance(field.type, GraphQLNonNull)
    named = field.type if nullable else field.type.of_type  # type: ignore[union-attr]
    if is_leaf_type(named):
        return _Plain(read, field.type, named, None, nullable)
    if is_object_type(named):
        return _Plain(read, field.type, None, named, nullable)
    return None


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, reading plain fields without a resolve info."""

    schema: GraphQLSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = _PLANS.get(self.schema)
        if plans is None:
            plans = _PLANS[self.schema] = {}
        self._plans = plans
        middleware = self.middleware_manager  # Strawberry passes one, empty without hooks
        self._fast = middleware is None or not middleware.middlewares

    def _plan(self, parent_type: GraphQLObjectType, name: str) -> _Plain | None:
        key = (parent_type.name, name)
        plan = self._plans.get(key, _UNPLANNED)
        if plan is _UNPLANNED:
            field = parent_type.fields.get(name)
            plan = self._plans[key] = _plain(field) if field is not None else None
        return plan  # type: ignore[return-value]

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if not self._fast:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        waiting: list[str] = []
        try:
            for response_name, details in grouped_field_set.items():
                node = details[0].node
                plan = None if node.arguments else self._plan(parent_type, node.name.value)
                result: Any = _GENERAL
                if plan is not None:
                    result = self._plain_field(
                        plan, source_value, details, path, response_name, parent_type,
                        position_context,
                    )  # fmt: skip
                    if result is not _GENERAL:
                        results[response_name] = result
                        if plan.object is not None and self.is_awaitable(result):
                            waiting.append(response_name)
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    details,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if self.is_awaitable(result):
                        waiting.append(response_name)
        except Exception:
            if waiting:  # settle what siblings started, as graphql-core does
                self.settle_in_background([results[name] for name in waiting])
            raise
        if not waiting:
            return results
        return self._gathered(results, waiting)

    def _plain_field(
        self,
        plan: _Plain,
        source: Any,
        details: FieldDetailsList,
        path: Path | None,
        response_name: str,
        parent_type: GraphQLObjectType,
        position_context: Any,
    ) -> Any:
        try:
            value = plan.read(source, self.context_value)
        except Exception:
            return _GENERAL  # the general path reports it
        if value is UNKNOWN:
            return _GENERAL
        if value is None:
            return None if plan.nullable else _GENERAL
        if plan.leaf is not None:
            try:
                coerced = plan.leaf.coerce_output_value(value)
            except Exception:
                return _GENERAL
            return _GENERAL if coerced is None or coerced is Undefined else coerced
        object_type: GraphQLObjectType = plan.object  # type: ignore[assignment]
        if object_type.is_type_of is not None:
            try:
                owned = object_type.is_type_of(value, None)  # type: ignore[arg-type]
            except Exception:
                return _GENERAL
            if owned is not True:
                return _GENERAL
        field_path = Path(path, response_name, parent_type.name)
        try:
            completed = self.collect_and_execute_subfields(
                object_type, details, field_path, value, position_context
            )
        except Exception as error:
            self.handle_field_error(error, plan.type, details, field_path)
            return None
        if self.is_awaitable(completed):
            return self._completed(completed, plan.type, details, field_path)
        return completed

    async def _completed(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as error:
            self.handle_field_error(error, return_type, details, path)
            return None

    @staticmethod
    async def _gathered(results: dict[str, Any], waiting: list[str]) -> dict[str, Any]:
        if len(waiting) == 1:
            results[waiting[0]] = await results[waiting[0]]
        else:
            values = await gather_with_cancel(*(results[name] for name in waiting))
            results.update(zip(waiting, values, strict=True))
        return results


__all__ = ["UNKNOWN", "PlainFieldExecutor", "answered_by"]
