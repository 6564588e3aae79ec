"""The prepared-hooks runner runs every kind of extension hook as Strawberry's own does.

One extension with a hook of each kind (generator, async generator, plain function,
coroutine function) records what it sees; the same operations run on a schema with
Strawberry's runner and on one with ours, and the records must match, errors included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension

from gateway.schema.federation import QuietErrors
from gateway.schema.hook_runner import PreparedHooksRunner


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("no")


def _recording(log: list[Any]) -> type[SchemaExtension]:
    class Recording(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            log.append(("operation", "enter", self.execution_context.query))
            yield
            result = self.execution_context.result
            log.append(("operation", "exit", result.errors is not None if result else None))

        async def on_execute(self) -> AsyncIterator[None]:
            log.append(("execute", "enter"))
            yield
            log.append(("execute", "exit"))

        def on_parse(self) -> None:  # type: ignore[override]
            log.append(("parse", "called"))

        async def on_validate(self) -> None:  # type: ignore[override]
            log.append(("validate", "called"))

    return Recording


async def _run(schema_class: type[strawberry.Schema], query: str) -> tuple[Any, list[Any]]:
    log: list[Any] = []
    schema = schema_class(query=Query, extensions=[_recording(log)])
    result = await schema.execute(query)
    return (result.data, [e.message for e in result.errors or []]), log


async def test_every_kind_of_hook_runs_as_strawberry_runs_it() -> None:
    for query in ("{ hello }", "{ broken }", "{ nope }", "{ hello"):
        theirs = await _run(strawberry.Schema, query)
        ours = await _run(QuietErrors, query)
        assert ours == theirs
        assert theirs[1], "the extension saw the operation"


async def test_the_schema_uses_the_prepared_runner() -> None:
    schema = QuietErrors(query=Query)
    runner = schema.create_extensions_runner(None, [])  # type: ignore[arg-type]
    assert isinstance(runner, PreparedHooksRunner)
