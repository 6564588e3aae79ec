"""The plain-field executor answers exactly what graphql-core's own executor answers.

Every query runs on two schemas built from the same types: one with
:class:`PlainFieldExecutor`, one with Strawberry's default execution context. Data,
errors, their messages and paths must be identical, for the fast path (plain leaves and
objects, peeks) and for everything it must hand back (nulls on non-null fields, values a
scalar refuses, permissions, resolve hooks, errors bubbling through plain objects).
"""

from __future__ import annotations

import asyncio
import enum
import gc
import weakref
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.types import Info

from gateway.schema.compiled_selections import HOT
from gateway.schema.executor import PlainFieldExecutor
from gateway.schema.plain_fields import UNKNOWN, answered_by


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Denied(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:  # noqa: ARG002
        return False


RESOLVED: list[str] = []  # resolvers that ran (a peek that knows the answer runs none)


def _peek(leaf: Leaf, _context: Any) -> object:
    if leaf.known == "raise":
        raise RuntimeError("a peek that fails hands over to the resolver")
    # what the resolver would answer, when the source already says it
    return UNKNOWN if leaf.known is None else Leaf(name=f"resolved-{leaf.name}")


@strawberry.type
class Leaf:
    name: str
    maybe: str | None = None
    colour: Colour = Colour.RED
    count: int = 1
    known: strawberry.Private[str | None] = None
    strict: str = "strict"

    @strawberry.field
    @answered_by(_peek)
    def peeked(self, info: Info) -> Leaf | None:  # noqa: ARG002 - the info a peek spares
        RESOLVED.append(self.name)
        if self.known == "raise":
            raise ValueError(f"resolver error for {self.name}")
        return Leaf(name=f"resolved-{self.name}")

    @strawberry.field(permission_classes=[Denied])  # type: ignore[untyped-decorator]
    def guarded(self) -> str:
        return "secret"

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        return f"later-{self.name}"


@strawberry.type
class Box:
    leaf: Leaf
    optional_leaf: Leaf | None = None
    leaves: list[Leaf] = strawberry.field(default_factory=list)
    maybe_leaves: list[Leaf | None] | None = None


def _boxes() -> list[Box]:
    good = Leaf(name="a", maybe="m", colour=Colour.BLUE, count=3, known="k")
    bad_count = Leaf(name="b", count="x")  # type: ignore[arg-type]
    null_name = Leaf(name=None)  # type: ignore[arg-type]
    bad_colour = Leaf(name="c", colour="green")  # type: ignore[arg-type]
    raising = Leaf(name="r", known="raise")
    strict_null = Leaf(name="s", strict=None)  # type: ignore[arg-type]
    return [
        Box(leaf=good, optional_leaf=good, leaves=[good, bad_count], maybe_leaves=[good]),
        Box(leaf=null_name, optional_leaf=strict_null, leaves=[null_name, good]),
        Box(leaf=bad_colour, leaves=[raising], maybe_leaves=[None, good, null_name]),
        Box(leaf=raising, optional_leaf=Leaf(name="u"), leaves=[strict_null]),
        Box(leaf=good, leaves=[good, good], maybe_leaves=[bad_count, strict_null, good]),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def boxes(self) -> list[Box | None]:
        return list(_boxes())

    @strawberry.field
    def box(self) -> Box:
        return _boxes()[0]


class ResolveHook(SchemaExtension):
    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


def _schemas(**kwargs: Any) -> tuple[strawberry.Schema, strawberry.Schema]:
    return (
        strawberry.Schema(query=Query, execution_context_class=PlainFieldExecutor, **kwargs),
        strawberry.Schema(query=Query, **kwargs),
    )


QUERIES = [
    "{ box { leaf { name maybe colour count } optionalLeaf { name } } }",
    "{ boxes { leaf { name } } }",
    "{ boxes { leaf { count } } }",
    "{ boxes { leaf { colour } } }",
    "{ boxes { optionalLeaf { name strict } } }",
    "{ boxes { leaves { name count } } }",
    "{ boxes { leaf { peeked { name } } leaves { peeked { name peeked { name } } } } }",
    "{ boxes { leaf { guarded name } } }",
    "{ boxes { leaf { later name } optionalLeaf { later } } }",
    "{ boxes { leaves { later name } maybeLeaves { later count strict } } }",
    "{ boxes { maybeLeaves { name colour } } }",
    "{ box { leaves { count later } maybeLeaves { name } } }",
    "{ box { a: leaf { n: name } b: leaf { name maybe } __typename } }",
    "query($x: Boolean!) { box { leaf { name @include(if: $x) count @skip(if: $x) } } }",
    "{ box { ...F leaf { ... on Leaf { colour } } } } fragment F on Box { leaf { name } }",
]


def _run(schema: strawberry.Schema, query: str) -> tuple[Any, list[Any], list[str]]:
    RESOLVED.clear()
    result = schema.execute_sync(query, variable_values={"x": True}) if "later" not in query else (
        asyncio.run(schema.execute(query, variable_values={"x": True}))
    )  # fmt: skip
    errors = sorted(
        (e.message, e.path, [(loc.line, loc.column) for loc in e.locations or ()])
        for e in result.errors or ()
    )
    return result.data, errors, sorted(RESOLVED, key=str)


@pytest.fixture(params=["plain", "with a resolve hook"])
def schemas(request: pytest.FixtureRequest) -> tuple[strawberry.Schema, ...]:
    return _schemas() if request.param == "plain" else _schemas(extensions=[ResolveHook])


@pytest.mark.parametrize("query", QUERIES)
def test_same_answer_as_graphql_core(schemas: tuple[strawberry.Schema, ...], query: str) -> None:
    """The first run walks the selections; from the second on, hot ones are compiled."""
    ours, theirs = schemas
    expected_data, expected_errors, _ = _run(theirs, query)
    for _ in range(HOT + 1):
        data, errors, _ = _run(ours, query)
        assert data == expected_data
        assert errors == expected_errors


def test_a_peek_that_knows_skips_the_resolver() -> None:
    ours, theirs = _schemas()
    query = "{ box { leaf { peeked { name } } } }"
    data, _, resolved = _run(ours, query)
    assert data == {"box": {"leaf": {"peeked": {"name": "resolved-a"}}}}
    assert resolved == []  # answered from the source
    data, _, resolved = _run(theirs, query)
    assert data == {"box": {"leaf": {"peeked": {"name": "resolved-a"}}}}
    assert resolved == ["a"]  # graphql-core's way: the resolver runs


def test_unknown_and_failing_peeks_run_the_resolver() -> None:
    ours, _ = _schemas()
    data, errors, resolved = _run(ours, "{ boxes { optionalLeaf { peeked { name } } } }")
    assert resolved == ["s", "u"]  # the peek said UNKNOWN: the resolver answered
    assert data["boxes"][0]["optionalLeaf"]["peeked"] == {"name": "resolved-a"}
    data, errors, resolved = _run(ours, "{ boxes { leaf { peeked { name } } } }")
    assert "r" in resolved  # the peek raised: the resolver ran and its error is reported
    assert ("resolver error for r", ["boxes", 3, "leaf", "peeked"]) in [e[:2] for e in errors]


class _Counting(PlainFieldExecutor):
    infos = 0

    def build_resolve_info(self, *args: Any, **kwargs: Any) -> Any:
        type(self).infos += 1
        return super().build_resolve_info(*args, **kwargs)


def test_plain_fields_build_no_resolve_info() -> None:
    """Only the root field's resolver gets an info; the plain objects, the plain list and
    their leaves are read directly (graphql-core alone would build ten)."""
    schema = strawberry.Schema(query=Query, execution_context_class=_Counting)
    result = schema.execute_sync("{ box { leaf { name maybe colour count } leaves { name } } }")
    assert result.errors is None
    assert result.data == {
        "box": {
            "leaf": {"name": "a", "maybe": "m", "colour": "BLUE", "count": 3},
            "leaves": [{"name": "a"}, {"name": "b"}],
        }
    }
    assert _Counting.infos == 1


class _Walking(PlainFieldExecutor):
    """Counts the fields read one by one (what a compiled selection spares)."""

    walked = 0

    def _plain_field(self, *args: Any, **kwargs: Any) -> Any:
        type(self).walked += 1
        return super()._plain_field(*args, **kwargs)


def test_a_hot_selection_runs_compiled() -> None:
    """From the second run of a selection of plain fields on, no field is read one by one,
    and the answer is graphql-core's; a value it does not take (a null name) goes the
    general way, with graphql-core's error at its path."""
    schema = strawberry.Schema(query=Query, execution_context_class=_Walking)
    query = (
        "{ box { __typename leaf { name maybe colour count peeked { name } } leaves { name } } }"
    )
    expected = _run(_schemas()[1], query)[:2]
    walked = []
    for _ in range(HOT + 1):
        _Walking.walked = 0
        assert _run(schema, query)[:2] == expected
        walked.append(_Walking.walked)
    assert walked[0] > 0
    assert walked[HOT:] == [0]
    mixed = "{ boxes { leaf { name } leaves { count } } }"  # good boxes and bad ones
    expected = _run(_schemas()[1], mixed)[:2]
    for _ in range(HOT + 1):
        assert _run(schema, mixed)[:2] == expected
    assert expected[1]  # errors, at their paths, each time


def test_a_replaced_schema_is_freed_with_its_plans() -> None:
    """A reload builds a new schema: the plans and compiled selections made for the old
    one must not keep it (a table of plans outside the schema kept every replaced schema,
    +6 MiB per reload)."""
    schema = strawberry.Schema(query=Query, execution_context_class=PlainFieldExecutor)
    for _ in range(HOT + 1):
        assert schema.execute_sync("{ box { leaf { name } leaves { name } } }").errors is None
    built = weakref.ref(schema)
    del schema
    gc.collect()
    assert built() is None
