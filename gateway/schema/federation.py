"""Apollo Federation v2: Switchboard as a subgraph, and the same schema without it.

``PhoneNumber`` and ``Assistant`` are entities keyed by their global ``id`` (declared on
the types). A router resolves them through ``Query._entities``, whose ``resolve_reference``
goes through the request's dataloaders: 100 representations cost one scan of each
provider's list, not 100 calls.

Connection fields carry demand-control hints (``@listSize``, ``@cost``) in the subgraph.
They are kept in :data:`COST_HINTS` and added to copies of the fields while the subgraph
schema is converted, so the plain schema never sees them.

With federation switched off (``Settings.federation = False``), the schema is built from
the same classes with the entity keys taken off for the duration of the build (under a
lock; its SDL is printed then and kept). The keys stay on the real type definitions rather
than on copies because Strawberry resolves unions such as ``_Entity`` by the identity of
those definitions. The plain schema is the subgraph schema minus ``_entities``,
``_service`` and the federation directives (tests/federation/test_subgraph.py).
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterator
from typing import Any, Final

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.federation.schema_directives import Cost, FederationDirective, ListSize
from strawberry.printer import print_schema
from strawberry.types import ExecutionContext
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from ..errors import UserInputError
from ..model import PROVIDER_ORDER
from ..paging import DEFAULT_PAGE_SIZE
from .context import Info
from .hook_runner import PreparedHooksRunner
from .ids import parse_global_id
from .nodes import resolve_node
from .types import Assistant, PhoneNumber

# The oldest federation spec with @cost and @listSize (demand control), so that older
# routers accept the subgraph too; tests/federation composes it with @apollo/composition.
FEDERATION_VERSION: Final = "2.9"

ENTITIES: tuple[type, ...] = (PhoneNumber, Assistant)

# Query.phoneNumbers / Query.assistants read a page of every selected provider (five);
# totalCount may read each provider's whole list.
FAN_OUT_WEIGHT = len(PROVIDER_ORDER)


def _page_hint() -> ListSize:
    return ListSize(
        assumed_size=DEFAULT_PAGE_SIZE,
        slicing_arguments=["first", "last"],
        sized_fields=["edges", "nodes"],
        require_one_slicing_argument=False,
    )


# (GraphQL type, GraphQL field) -> directives the subgraph adds to that field.
COST_HINTS: dict[tuple[str, str], tuple[object, ...]] = {
    ("Query", "phoneNumbers"): (Cost(weight=FAN_OUT_WEIGHT), _page_hint()),
    ("Query", "assistants"): (Cost(weight=FAN_OUT_WEIGHT), _page_hint()),
    ("Assistant", "phoneNumbers"): (_page_hint(),),
    ("PhoneNumberConnection", "totalCount"): (Cost(weight=FAN_OUT_WEIGHT),),
    ("AssistantConnection", "totalCount"): (Cost(weight=FAN_OUT_WEIGHT),),
}


class QuietErrors(strawberry.Schema):
    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return PreparedHooksRunner(execution_context=execution_context, extensions=extensions)

    def process_errors(
        self, _errors: list[GraphQLError], _execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorCodes logs what is unexpected; expected errors need no traceback in the log.
        return None


class PlainSchema(QuietErrors):
    """The schema without federation. Build it with :func:`build_plain`."""

    _sdl: str | None = None

    def keep_sdl(self) -> None:
        """Print the SDL now, while the entity keys are hidden (see :func:`build_plain`)."""
        self._sdl = print_schema(self)

    def as_str(self) -> str:
        # Printed once, inside build_plain: the printer reads the (shared) type definitions,
        # which carry the entity keys again once the build is over.
        return self._sdl if self._sdl is not None else super().as_str()


class SubgraphSchema(QuietErrors, strawberry.federation.Schema):
    """The Apollo Federation v2 subgraph schema, with the cost hints of COST_HINTS."""

    def __init__(self, **kwargs: Any) -> None:
        self._hinted: dict[int, StrawberryField] = {}
        super().__init__(federation_version=FEDERATION_VERSION, **kwargs)

    def _prepare_schema_directives(self) -> None:
        # Strawberry collects the directives in use from the class definitions, not from
        # get_fields: declare the hints so @link imports them and the version check sees them.
        self._schema_directives_in_use.extend(
            d for field in self._hinted.values() for d in field.directives
        )
        super()._prepare_schema_directives()

    def get_fields(self, type_definition: StrawberryObjectDefinition) -> list[StrawberryField]:
        fields = super().get_fields(type_definition)
        type_name = self.config.name_converter.from_type(type_definition)
        return [self._with_hints(type_name, field) for field in fields]

    def _with_hints(self, type_name: str, field: StrawberryField) -> StrawberryField:
        field_name = self.config.name_converter.get_graphql_name(field)
        hints = COST_HINTS.get((type_name, field_name))
        if not hints:
            return field
        if id(field) not in self._hinted:
            hinted = copy.copy(field)  # the class's own field stays without hints
            hinted.directives = [*(field.directives or ()), *hints]
            self._hinted[id(field)] = hinted
        return self._hinted[id(field)]


_definitions_lock = threading.Lock()


@contextlib.contextmanager
def _without_entity_keys() -> Iterator[None]:
    """Take the federation directives off the entity types while a plain schema is built."""
    with _definitions_lock:
        saved: list[tuple[StrawberryObjectDefinition, Any]] = []
        for cls in ENTITIES:
            definition: StrawberryObjectDefinition = cls.__strawberry_definition__  # type: ignore[attr-defined]
            saved.append((definition, definition.directives))
            definition.directives = [
                d for d in definition.directives or () if not isinstance(d, FederationDirective)
            ]
        try:
            yield
        finally:
            for definition, directives in saved:
                definition.directives = directives


def build_plain(**kwargs: Any) -> PlainSchema:
    with _without_entity_keys():
        schema = PlainSchema(**kwargs)
        schema.keep_sdl()
    return schema


def build_subgraph(**kwargs: Any) -> SubgraphSchema:
    with _definitions_lock:  # never while a plain build has the keys off
        return SubgraphSchema(**kwargs)


async def resolve_entity(info: Info, type_name: str, value: str) -> Any:
    """``_entities`` for one representation ``{__typename, id}``: null if there is none."""
    kind, _, _ = parse_global_id(value)
    if kind != type_name:
        raise UserInputError(f"not a {type_name} id: {value[:64]!r}")
    return await resolve_node(info, value)


__all__ = [
    "COST_HINTS",
    "ENTITIES",
    "FEDERATION_VERSION",
    "PlainSchema",
    "SubgraphSchema",
    "build_plain",
    "build_subgraph",
    "resolve_entity",
]
