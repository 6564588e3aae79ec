"""Static limits on a GraphQL document, checked before anything executes.

One walk over the selected operation measures depth, aliases, directives, root fields
and an estimated cost, expanding fragments as the executor would (so a fragment cannot
hide a deep or costly selection, and a fragment cycle stops the walk instead of
looping). Tokens are capped while parsing, so a huge document costs little to refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    parse,
)

from ..errors import ErrorCode, Refusal

# List fields whose size is bounded by an argument, and the size assumed without one.
_SIZE_ARGS = ("first", "last")
_DEFAULT_LIST_SIZE = 20
_INTROSPECTION = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 3000
    max_directives: int = 30
    max_root_fields: int = 10
    max_cost: int = 25_000


class LimitExceeded(Refusal):
    """A query over one of the limits (HTTP 400)."""


@dataclass
class Measure:
    depth: int = 0
    aliases: int = 0
    directives: int = 0
    root_fields: int = 0
    cost: int = 0


def parse_limited(query: str, limits: QueryLimits) -> DocumentNode:
    """Parse, refusing documents with more tokens than allowed."""
    try:
        return parse(query, max_tokens=limits.max_tokens, no_location=False)
    except GraphQLError as exc:
        if "tokens. Parsing aborted" in exc.message:
            raise LimitExceeded(
                "QUERY_TOO_MANY_TOKENS", f"query has more than {limits.max_tokens} tokens"
            ) from None
        raise


class _Walker:
    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        budget: int,
    ) -> None:
        self.fragments = fragments
        self.variables = variables
        # Fragments spread twice expand twice: without a budget, nested spreads could make
        # this walk exponential in the document size.
        self.budget = budget
        self.m = Measure()

    def list_size(self, field: FieldNode) -> int:
        for arg in field.arguments or ():
            if arg.name.value == "ids":
                value = arg.value
                if isinstance(value, ListValueNode):
                    return max(1, len(value.values))
                if isinstance(value, VariableNode):
                    got = self.variables.get(value.name.value)
                    return max(1, len(got)) if isinstance(got, list) else 1
            if arg.name.value in _SIZE_ARGS:
                value = arg.value
                if isinstance(value, IntValueNode):
                    return max(1, int(value.value))
                if isinstance(value, VariableNode):
                    got = self.variables.get(value.name.value)
                    return max(1, got) if isinstance(got, int) else _DEFAULT_LIST_SIZE
        return 1

    def walk(self, selections: SelectionSetNode | None, depth: int, seen: frozenset[str]) -> int:
        """Visit a selection set; returns its cost per parent item."""
        if selections is None:
            return 0
        self.m.depth = max(self.m.depth, depth)
        cost = 0
        self.budget -= len(selections.selections)
        if self.budget < 0:
            raise LimitExceeded("QUERY_TOO_COMPLEX", "query expands to too many selections")
        for sel in selections.selections:
            self.m.directives += len(sel.directives or ())
            if isinstance(sel, FieldNode):
                if sel.alias is not None:
                    self.m.aliases += 1
                if depth == 1:
                    self.m.root_fields += 1
                    if sel.name.value in _INTROSPECTION:
                        # Bounded by the schema itself (and switchable off): a client's
                        # introspection query is deep by design. Only a real field of that
                        # name is exempt, never a fragment so named.
                        continue
                if sel.selection_set is None:
                    continue  # leaves are free: they are plain attributes
                size = self.list_size(sel)
                cost += 1 + size * self.walk(sel.selection_set, depth + 1, seen)
            elif isinstance(sel, InlineFragmentNode):
                cost += self.walk(sel.selection_set, depth, seen)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue  # unknown or cyclic: validation reports it
                cost += self.walk(fragment.selection_set, depth, seen | {name})
        return cost


def measure(
    document: DocumentNode,
    operation: OperationDefinitionNode | str | None,
    variables: Mapping[str, Any] | None,
    budget: int = 10_000,
) -> Measure:
    """Measure the operation that will run: the gate's choice (a node), else the one of
    that name (every operation if the name matches none)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if isinstance(operation, OperationDefinitionNode):
        named = [operation]
    else:
        named = [o for o in operations if o.name and o.name.value == operation]
    walker = _Walker(fragments, variables or {}, budget)
    for op in named or operations:
        walker.m.directives += len(op.directives or ())
        walker.m.cost += walker.walk(op.selection_set, 1, frozenset())
    return walker.m


def check(
    document: DocumentNode,
    operation: OperationDefinitionNode | str | None,
    variables: Mapping[str, Any] | None,
    limits: QueryLimits,
) -> None:
    """Raise :class:`LimitExceeded` for the first limit the operation breaks."""
    m = measure(document, operation, variables, budget=limits.max_tokens * 4)
    rules = (
        (m.depth, limits.max_depth, "QUERY_TOO_DEEP", "depth"),
        (m.aliases, limits.max_aliases, "QUERY_TOO_MANY_ALIASES", "aliases"),
        (m.directives, limits.max_directives, "QUERY_TOO_MANY_DIRECTIVES", "directives"),
        (m.root_fields, limits.max_root_fields, "QUERY_TOO_MANY_ROOT_FIELDS", "root fields"),
        (m.cost, limits.max_cost, "QUERY_TOO_COSTLY", "estimated cost"),
    )
    for value, limit, code, what in rules:
        if value > limit:
            raise LimitExceeded(code, f"query {what} {value} exceeds the limit of {limit}")


__all__ = ["ErrorCode", "LimitExceeded", "QueryLimits", "check", "measure", "parse_limited"]
