"""Every element of the public schema is documented.

GraphiQL's docs explorer (and every IDE plugin reading introspection) is where frontend
developers learn the API, so a type, field, argument, enum value or input field without
a description is a hole in the documentation. This walks graphql-core's view of the
schema exactly as it is exported: the plain schema (schema/schema.graphql), and the
federation subgraph minus what federation itself adds (``_entities``, ``_service``,
``_Any``, ``link__*``, ...), which Strawberry owns and routers never show to clients.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    is_introspection_type,
    is_specified_scalar_type,
)

from gateway.protocol.core_schema import core_schema
from gateway.schema import build_schema as build_gateway_schema
from gateway.schema import print_sdl


def _federation_builtin(name: str) -> bool:
    """Types and root fields the federation spec adds: ``_Service``, ``_entities``, ...,
    and the imported ``link__*`` / ``federation__*`` names."""
    return name.startswith(("_", "link__", "federation__"))


def elements(schema: GraphQLSchema) -> Iterator[tuple[str, str | None]]:
    """(coordinate, description) of every documentable element, in schema coordinates
    (``Type``, ``Type.field``, ``Type.field(arg:)``, ``Enum.VALUE``, ``Input.field``)."""
    for name, type_ in sorted(schema.type_map.items()):
        if is_introspection_type(type_) or is_specified_scalar_type(type_):
            continue
        if _federation_builtin(name):
            continue
        yield name, type_.description
        yield from _members(name, type_)


def _members(name: str, type_: GraphQLNamedType) -> Iterator[tuple[str, str | None]]:
    if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        for field_name, field in type_.fields.items():
            if _federation_builtin(field_name):
                continue
            yield f"{name}.{field_name}", field.description
            for arg_name, arg in field.args.items():
                yield f"{name}.{field_name}({arg_name}:)", arg.description
    elif isinstance(type_, GraphQLInputObjectType):
        for field_name, input_field in type_.fields.items():
            yield f"{name}.{field_name}", input_field.description
    elif isinstance(type_, GraphQLEnumType):
        for value_name, value in type_.values.items():
            yield f"{name}.{value_name}", value.description


def undocumented(schema: GraphQLSchema) -> list[str]:
    return [where for where, text in elements(schema) if not (text and text.strip())]


@pytest.mark.parametrize(
    "schema",
    [
        pytest.param(lambda: core_schema(build_gateway_schema(federation=False)), id="plain"),
        pytest.param(lambda: core_schema(build_gateway_schema(federation=True)), id="federation"),
        pytest.param(lambda: build_schema(print_sdl()), id="exported-sdl"),
    ],
)
def test_every_schema_element_has_a_description(schema: object) -> None:
    built = schema()  # type: ignore[operator]
    missing = undocumented(built)
    assert not missing, f"{len(missing)} schema elements have no description:\n" + "\n".join(
        missing
    )


def test_the_walk_sees_every_kind_of_element() -> None:
    """The check is only as good as the walk: it must reach arguments, enum values and
    input fields, and it must notice a missing description."""
    where = dict(elements(core_schema(build_gateway_schema(federation=False))))
    for coordinate in (
        "PhoneNumber",
        "PhoneNumber.status",
        "Query.phoneNumbers(first:)",
        "Assistant.phoneNumbers(after:)",
        "NumberStatus.ASSIGNED",
        "PhoneNumberFilter.search",
        "PageInfo.endCursor",
    ):
        assert coordinate in where
    bare = build_schema('"""Documented."""\ntype Query {\n  "x"\n  a(b: Int): Int\n  c: Int\n}\n')
    assert undocumented(bare) == ["Query.a(b:)", "Query.c"]


def test_federation_adds_only_its_own_elements() -> None:
    """Skipping federation's names must not hide one of ours: both walks see the same."""
    plain = {where for where, _ in elements(core_schema(build_gateway_schema(federation=False)))}
    subgraph = {where for where, _ in elements(core_schema(build_gateway_schema(federation=True)))}
    assert plain == subgraph


def test_the_documented_numbers_are_the_real_ones() -> None:
    """The paging descriptions quote the defaults; they must be the ones in force."""
    from gateway.config import Settings
    from gateway.schema import docs

    assert Settings.model_fields["max_page_size"].default == docs.DEFAULT_MAX_PAGE_SIZE
    sdl = print_sdl()
    assert f"the first {docs.DEFAULT_PAGE_SIZE} items" in sdl
    assert f"0..max_page_size (a gateway setting, {docs.DEFAULT_MAX_PAGE_SIZE} by default)" in sdl
