"""The per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from strawberry.types import Info as StrawberryInfo

from ..errors import GatewayError
from ..loaders import Loaders
from ..runtime import Runtime


@dataclass
class Context:
    runtime: Runtime
    loaders: Loaders
    # Errors beside the data: a provider that failed while the others answered.
    partial_errors: list[GraphQLError] = field(default_factory=list)
    request: Any = None
    # The authenticated gateway caller (tenant, read-only), None without authentication.
    caller: Any = None
    # The operation the gate admitted (gateway.security.gate.Admitted): execution runs
    # exactly this parsed document and operation.
    admitted: Any = None
    # The assistant nodes this request found a number's link to, by (provider, native
    # id): once found, the numbers linking the same assistant are answered in one lookup.
    linked: dict[tuple[Any, str], Any] = field(default_factory=dict)
    # What the request's executors let go of at release (schema/executor.py).
    spent: list[Callable[[], None]] = field(default_factory=list)

    def forget(self) -> None:
        """Drop what this request has read and found so far (after a write): later reads
        in the same request ask again."""
        self.loaders.forget()
        self.linked.clear()

    def release(self) -> None:
        """Drop what this request loaded and built, once its response is done: graphql-core's
        executor and its helpers refer to each other and to this context, so what the
        context keeps would otherwise wait for the collector."""
        self.loaders.release()
        self.linked.clear()
        for let_go in self.spent:
            let_go()
        self.spent.clear()

    def report(self, error: GatewayError, info: StrawberryInfo[Any, Any]) -> None:
        """Keep the field's data and add ``error`` to the response's ``errors``."""
        path = info.path.as_list()
        if any(e.message == error.message and e.path == path for e in self.partial_errors):
            return  # one failure seen by several parts of a field (edges, totalCount) is one error
        self.partial_errors.append(
            GraphQLError(
                error.message, path=path, original_error=error, extensions=error.extensions()
            )
        )


def make_context(runtime: Runtime, request: Any = None, caller: Any = None) -> Context:
    return Context(runtime=runtime, loaders=Loaders(runtime), request=request, caller=caller)


Info = StrawberryInfo[Context, None]
