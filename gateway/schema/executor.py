"""graphql-core's executor with a fast path for plain fields (see plain_fields.py).

A page of 100 numbers executes about 450 fields, and most are read straight off an
attribute (``edges``, ``node``, ``number``, ``Assistant.name``). graphql-core builds a
``GraphQLResolveInfo``, a path, an awaitable check and a ``complete_value`` walk for
each, though an attribute needs no info. Here a plain field is read directly: a leaf is
coerced, an object's (or each listed object's) own selection is executed.

A plain field whose value is not simply valid (null on a non-null field, a value the
scalar refuses, an object its type does not own, a list that is not a list) goes
through graphql-core's own ``execute_field``, as does every other field, so errors,
paths and null propagation stay graphql-core's. Errors raised below a plain object are
handled as graphql-core handles them (``handle_field_error`` at the field's path). A
schema extension with a ``resolve`` hook (graphql-core middleware) turns it all off.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql import ExecutionResult, GraphQLObjectType, GraphQLOutputType, GraphQLSchema
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from .compiled_selections import TYPENAME, Compiled, Compiler, Field, Selection, compilable
from .plain_fields import UNKNOWN, Plain, plan

# Path is a NamedTuple: tuple.__new__ builds one without its Python-level __new__ (a
# page of 100 numbers builds ~300 paths).
_new_path: Any = tuple.__new__

# What a field's completion returns when nothing is left to await: graphql-core's
# is_awaitable need not be asked (a page of 100 asks it about 500 times).
_SETTLED = frozenset({dict, list, type(None)})

_UNPLANNED: Any = object()
_GENERAL: Any = object()  # "take graphql-core's path for this field"

# (response name, field group, plan; and for a str or bool attribute read inline: the
# attribute, its Python type, whether null is allowed)
Entry = tuple[str, FieldDetailsList, Plain | None, str | None, type | None, bool]

# Where a schema keeps its plans: (type name, field name) -> the field's plan, or None
# for the general path. In the schema's own extensions (graphql-core's slot for data of
# its users), so a schema replaced on reload takes its plans with it: a plan refers to
# the schema's types, whose resolvers refer to the schema, so a module-level table (even
# a weak one) would keep every replaced schema alive.
PLANS_KEY = "switchboard-plain-fields"
COMPILED_KEY = "switchboard-compiled-selections"  # the same, for compiled_selections.py


class PlainFieldExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, reading plain fields without a resolve info."""

    schema: GraphQLSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans = self.schema.extensions.get(PLANS_KEY)
        if plans is None:
            plans = self.schema.extensions[PLANS_KEY] = {}
        self._plans: dict[tuple[str, str], Plain | None] = plans
        compiler = self.schema.extensions.get(COMPILED_KEY)
        if compiler is None:
            compiler = self.schema.extensions[COMPILED_KEY] = Compiler()
        self._compiler: Compiler = compiler
        # grouped field set -> its fields with their plans; graphql-core memoizes the
        # sets per selection, so the items of a list share one. The set is kept with its
        # entry so that its id is not reused while this request runs.
        self._entries: dict[tuple[int, str], tuple[GroupedFieldSet, tuple[Entry, ...]]] = {}
        # (object type, id of its field group) -> the group and its planned sub-fields:
        # what graphql-core's collect_and_execute_subfields finds, in one lookup.
        self._selections: dict[
            tuple[GraphQLObjectType, int], tuple[FieldDetailsList, tuple[Entry, ...] | None]
        ] = {}
        # id of a selection's entries (kept in _entries) -> its compiled function, or None
        self._compiled: dict[int, Compiled | None] = {}
        middleware = self.middleware_manager  # Strawberry passes one, empty without hooks
        self._fast = middleware is None or not middleware.middlewares

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """graphql-core's response; then, for a whole (not incremental) one, nothing of
        this execution runs again, so the executor lets go of itself when the request's
        context is released: its resolver helpers hold two of its bound methods (a
        reference cycle), which kept the request's context, loaders and these memos alive
        until the collector's next pass (about 200 objects a request, a 13 ms pause every
        hundred requests)."""
        response = super().build_response(data)
        if type(response) is ExecutionResult:
            spent = getattr(self.context_value, "spent", None)
            if spent is not None:  # once the response is sent, off the client's wait
                spent.append(self._let_go)
            else:
                self._let_go()
        return response

    def _let_go(self) -> None:
        self.async_helpers = _SPENT
        self._entries.clear()
        self._selections.clear()
        self._compiled.clear()

    def _owns(self, object_type: GraphQLObjectType, value: Any) -> bool:
        """Whether graphql-core's ``is_type_of`` check would pass ``value`` without an info
        (Strawberry's checks read none); anything else goes the general way. An uncast
        value's answer depends on its class alone, so each class is checked once."""
        if value is None:
            return False
        check = object_type.is_type_of
        if check is None:
            return True
        owned = self._compiler.owned_by(object_type)
        uncast = getattr(value, TYPE_CAST_ATTRIBUTE, None) is None
        if uncast and type(value) in owned:
            return True
        try:
            passed = check(value, None) is True  # type: ignore[arg-type]
        except Exception:
            return False
        if passed and uncast:
            owned.add(type(value))
        return passed

    def _plan(self, parent_type: GraphQLObjectType, details: FieldDetailsList) -> Plain | None:
        node = details[0].node
        if node.arguments:
            return None
        key = (parent_type.name, node.name.value)
        found = self._plans.get(key, _UNPLANNED)
        if found is _UNPLANNED:
            field = parent_type.fields.get(node.name.value)
            found = self._plans[key] = plan(field) if field is not None else None
        if found is not None and found.item is not None and any(d.node.directives for d in details):
            return None  # @stream and friends: graphql-core's list completion
        return found  # type: ignore[no-any-return]

    def _fields(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> tuple[Entry, ...]:
        key = (id(grouped_field_set), parent_type.name)
        kept = self._entries.get(key)
        if kept is not None and kept[0] is grouped_field_set:
            return kept[1]
        entries = tuple(
            _entry(name, details, self._plan(parent_type, details))
            for name, details in grouped_field_set.items()
        )
        self._entries[key] = (grouped_field_set, entries)
        return entries

    def _selection(
        self, object_type: GraphQLObjectType, details: FieldDetailsList
    ) -> tuple[Entry, ...] | None:
        """The planned sub-fields of ``details`` on ``object_type``, or None where the
        selection defers a fragment (graphql-core's incremental path then runs it)."""
        key = (object_type, id(details))
        kept = self._selections.get(key)
        if kept is None or kept[0] is not details:
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, details)
            entries = None if new_defer_usages else self._fields(object_type, grouped_field_set)
            kept = self._selections[key] = (details, entries)
        return kept[1]

    def _compile(
        self, object_type: GraphQLObjectType, entries: tuple[Entry, ...]
    ) -> Compiled | None:
        """The compiled function of a selection, once hot, where every field is plain."""
        selection = self._tree(object_type, entries)
        return self._compiler.get(selection) if selection is not None else None

    def _tree(self, object_type: GraphQLObjectType, entries: tuple[Entry, ...]) -> Selection | None:
        fields = []
        for name, details, plain, *_ in entries:
            field = details[0].node.name.value
            below = None
            if plain is None:
                if field != TYPENAME:
                    return None
            elif not compilable(plain):
                return None
            else:
                nested_type = plain.object or plain.item
                if nested_type is not None:
                    nested = self._selection(nested_type, details)
                    below = self._tree(nested_type, nested) if nested is not None else None
                    if below is None:
                        return None
            fields.append(Field(name, field, plain, below))
        return Selection(object_type, tuple(fields))

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
        return self._run(
            parent_type, source_value, path, self._fields(parent_type, grouped_field_set),
            position_context,
        )  # fmt: skip

    def _run(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        entries: tuple[Entry, ...],
        position_context: Any,
    ) -> Any:
        """graphql-core's execute_fields over planned entries: the selection's compiled
        function where it has one and takes this value, else entry by entry."""
        if position_context is None:
            compiled = self._compiled.get(id(entries), _UNPLANNED)
            if compiled is _UNPLANNED:
                compiled = self._compiled[id(entries)] = self._compile(parent_type, entries)
            if compiled is not None:
                try:
                    return compiled(source_value, self.context_value)
                except Exception:
                    pass  # a value it does not take: the general way decides and reports
        results: dict[str, Any] = {}
        waiting: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for name, details, plain, attribute, same, nullable in entries:
                if attribute is not None:
                    # the commonest field of all, a string or flag attribute, inline
                    try:
                        value = getattr(source_value, attribute)
                    except Exception:
                        value = _GENERAL  # the general path below reports it
                    if type(value) is same or (value is None and nullable):
                        results[name] = value
                        continue
                if plain is not None:
                    result = self._plain_field(
                        plain, source_value, details, path, name, parent_type, position_context
                    )
                    if result is not _GENERAL:
                        results[name] = result
                        if (
                            plain.leaf is None
                            and type(result) not in _SETTLED
                            and is_awaitable(result)
                        ):
                            waiting.append(name)
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    details,
                    Path(path, name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[name] = result
                    if is_awaitable(result):
                        waiting.append(name)
        except Exception:
            if waiting:  # settle what siblings started, as graphql-core does
                self.settle_in_background([results[name] for name in waiting])
            raise
        if not waiting:
            return results
        return self._gathered(results, waiting)

    def _plain_field(
        self,
        plain: Plain,
        source: Any,
        details: FieldDetailsList,
        path: Path | None,
        name: str,
        parent_type: GraphQLObjectType,
        position_context: Any,
    ) -> Any:
        try:
            if plain.attribute is not None:
                value = getattr(source, plain.attribute)
            else:
                value = plain.peek(source, self.context_value)  # type: ignore[misc]
        except Exception:
            return _GENERAL  # the general path reports it
        if value is None:
            return None if plain.nullable else _GENERAL
        if value is UNKNOWN:
            return _GENERAL
        if plain.leaf is not None:
            if type(value) is plain.same:
                return value
            try:
                coerced = plain.leaf.coerce_output_value(value)
            except Exception:
                return _GENERAL
            return _GENERAL if coerced is None or coerced is Undefined else coerced
        if plain.object is not None:
            if not self._owns(plain.object, value):
                return _GENERAL
            field_path = _new_path(Path, (path, name, parent_type.name))
            return self._object(
                plain.object, plain.declared, details, field_path, value, position_context
            )
        item: GraphQLObjectType = plain.item  # type: ignore[assignment]
        if not isinstance(value, list):
            return _GENERAL
        if item.is_type_of is not None and not all(self._owns(item, v) for v in value):
            return _GENERAL
        if item.is_type_of is None and any(v is None for v in value):
            return _GENERAL
        return self._list(
            plain,
            details,
            _new_path(Path, (path, name, parent_type.name)),
            value,
            position_context,
        )

    def _object(
        self,
        object_type: GraphQLObjectType,
        declared: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
        value: Any,
        position_context: Any,
        entries: tuple[Entry, ...] | None = _UNPLANNED,
    ) -> Any:
        """``value``'s selection, or None with the error handled at ``path``. ``entries``:
        the selection's plan when the caller has it (a list's items share one)."""
        try:
            if entries is _UNPLANNED:
                entries = (
                    self._selection(object_type, details) if position_context is None else None
                )
            if entries is not None:
                completed = self._run(object_type, value, path, entries, None)
            else:  # incremental delivery (@defer) under way: graphql-core's own path
                completed = self.collect_and_execute_subfields(
                    object_type, details, path, value, position_context
                )
        except Exception as error:
            self.handle_field_error(error, declared, details, path)
            return None
        if type(completed) is not dict and self.is_awaitable(completed):
            return self._completed(completed, declared, details, path)
        return completed

    def _list(
        self,
        plain: Plain,
        details: FieldDetailsList,
        path: Path,
        values: list[Any],
        position_context: Any,
    ) -> Any:
        item: GraphQLObjectType = plain.item  # type: ignore[assignment]
        declared: GraphQLOutputType = plain.item_type  # type: ignore[assignment]
        # the items share one selection: planned once for the list
        entries = self._selection(item, details) if position_context is None else None
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        waiting: list[int] = []
        try:
            for index, value in enumerate(values):
                item_path = _new_path(Path, (path, index, None))
                done = self._object(
                    item, declared, details, item_path, value, position_context, entries
                )
                if type(done) not in _SETTLED and is_awaitable(done):
                    waiting.append(index)
                completed.append(done)
        except Exception as error:  # a non-null item failed: the list fails
            if waiting:
                self.settle_in_background([completed[i] for i in waiting])
            self.handle_field_error(error, plain.declared, details, path)
            return None
        if not waiting:
            return completed
        gathered = self._gathered_list(completed, waiting)
        return self._completed(gathered, plain.declared, details, path)

    async def _completed(
        self,
        completed: Awaitable[Any],
        declared: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as error:
            self.handle_field_error(error, declared, details, path)
            return None

    @staticmethod
    async def _gathered(results: dict[str, Any], waiting: list[str]) -> dict[str, Any]:
        if len(waiting) == 1:
            results[waiting[0]] = await results[waiting[0]]
        else:
            values = await gather_with_cancel(*(results[name] for name in waiting))
            results.update(zip(waiting, values, strict=True))
        return results

    @staticmethod
    async def _gathered_list(completed: list[Any], waiting: list[int]) -> list[Any]:
        values = await gather_with_cancel(*(completed[i] for i in waiting))
        for index, value in zip(waiting, values, strict=True):
            completed[index] = value
        return completed


def _gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
    return gather_with_cancel(*values)


def _observed(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _track(values: Sequence[Any]) -> None:
    """Settle the awaitables among ``values`` in the background, errors observed."""
    for value in values:
        if inspect.isawaitable(value):
            asyncio.ensure_future(value).add_done_callback(_observed)


# A spent executor's resolver helpers: what graphql-core's do, without the executor.
_SPENT = GraphQLResolveInfoHelpers(gather=_gather, track=_track)


def _entry(name: str, details: FieldDetailsList, plain: Plain | None) -> Entry:
    if plain is not None and plain.same is not None and plain.attribute is not None:
        return (name, details, plain, plain.attribute, plain.same, plain.nullable)
    return (name, details, plain, None, None, False)


__all__ = ["UNKNOWN", "PlainFieldExecutor"]
