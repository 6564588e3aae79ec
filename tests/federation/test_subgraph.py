"""The subgraph in Python: _entities through the dataloaders, _service, cost hints, and the
plain schema that federation = false serves."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    REMOVE,
    DirectiveNode,
    DocumentNode,
    FieldDefinitionNode,
    Node,
    ObjectTypeDefinitionNode,
    TypeDefinitionNode,
    Visitor,
    build_ast_schema,
    build_client_schema,
    introspection_from_schema,
    lexicographic_sort_schema,
    parse,
    print_ast,
    print_schema,
    visit,
)

from gateway.config import load_settings
from gateway.model import PROVIDER_ORDER
from gateway.protocol.core_schema import core_schema
from gateway.schema import build_schema, print_sdl, print_subgraph_sdl
from gateway.schema.federation import COST_HINTS, FEDERATION_VERSION
from tests.e2e.conftest import Gateway, open_gateway
from tests.writes import writes

ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on PhoneNumber { id number provider }
    ... on Assistant { id name }
  }
}"""

FEDERATION_TYPES = {"_Any", "_Entity", "_Service"}
FEDERATION_FIELDS = {"_entities", "_service"}
FEDERATION_DIRECTIVES = {"key", "cost", "listSize", "link"}


# _ids asks two root fields per provider.
ROOM_FOR_IDS = {"max_root_fields": 2 * len(PROVIDER_ORDER)}


# The page cache and request coalescing are off: the figures are the dataloaders' own.
def _uncached() -> Any:
    return open_gateway(
        resilience={"cache_ttl_seconds": 0, "coalesce": False}, security=ROOM_FOR_IDS
    )


async def _ids(gw: Gateway, per_provider: int) -> tuple[list[str], list[str]]:
    query = " ".join(
        f"n{p.value}: phoneNumbers(first: {per_provider}, filter: {{providers: [{p.name}]}}) "
        f"{{ nodes {{ id }} }} a{p.value}: assistants(filter: {{providers: [{p.name}]}}) "
        "{ nodes { id } }"
        for p in PROVIDER_ORDER
    )
    data = await gw.data("{ " + query + " }")
    numbers = [n["id"] for p in PROVIDER_ORDER for n in data[f"n{p.value}"]["nodes"]]
    assistants = [n["id"] for p in PROVIDER_ORDER for n in data[f"a{p.value}"]["nodes"]]
    return numbers, assistants


def _reps(type_name: str, ids: list[str]) -> list[dict[str, str]]:
    return [{"__typename": type_name, "id": i} for i in ids]


async def test_100_representations_cost_one_list_read_per_provider() -> None:
    async with _uncached() as gw:
        each = 100 // len(PROVIDER_ORDER)  # nodes(ids:) takes 100 at most
        numbers, assistants = await _ids(gw, each)
        assert len(numbers) == each * len(PROVIDER_ORDER)
        direct = await gw.data(
            "query ($ids: [ID!]!) { nodes(ids: $ids) { ... on PhoneNumber { id number provider } } }",
            ids=numbers,
        )

        gw.reset_counts()
        data = await gw.data(ENTITIES, representations=_reps("PhoneNumber", numbers))
        calls = gw.upstream_requests()
        assert [e["id"] for e in data["_entities"]] == numbers  # in the order asked
        assert [{k: e[k] for k in ("id", "number", "provider")} for e in data["_entities"]] == (
            direct["nodes"]
        )
        # One list read per provider (Teli lists SMS and voice numbers apart), not one an id.
        assert calls == {p: writes(p).number_list_calls for p in PROVIDER_ORDER}, calls

        gw.reset_counts()
        data = await gw.data(ENTITIES, representations=_reps("Assistant", assistants))
        assert [e["__typename"] for e in data["_entities"]] == ["Assistant"] * len(assistants)
        assert sum(gw.upstream_requests().values()) == len(PROVIDER_ORDER)


async def test_representations_of_both_types_in_one_call() -> None:
    async with _uncached() as gw:
        numbers, assistants = await _ids(gw, 2)
        mixed = [*_reps("PhoneNumber", numbers[:3]), *_reps("Assistant", assistants[:3])]
        gw.reset_counts()
        data = await gw.data(ENTITIES, representations=mixed)
        assert [e["__typename"] for e in data["_entities"]] == ["PhoneNumber"] * 3 + [
            "Assistant"
        ] * 3
        assert [e["id"] for e in data["_entities"]] == [r["id"] for r in mixed]


async def test_unknown_wrong_and_malformed_representations() -> None:
    async with open_gateway(security=ROOM_FOR_IDS) as gw:
        numbers, assistants = await _ids(gw, 1)
        missing = "UGhvbmVOdW1iZXI6YnVya2k6bm8tc3VjaA=="  # PhoneNumber:burki:no-such
        body = await gw.query(
            ENTITIES,
            representations=[
                {"__typename": "PhoneNumber", "id": numbers[0]},
                {"__typename": "PhoneNumber", "id": missing},
                {"__typename": "PhoneNumber", "id": assistants[0]},  # an Assistant's id
                {"__typename": "Assistant", "id": "not-an-id"},
            ],
        )
        entities = body["data"]["_entities"]
        assert entities[0]["id"] == numbers[0]
        assert entities[1:] == [None, None, None]
        errors = {tuple(e["path"]): e["extensions"]["code"] for e in body["errors"]}
        assert errors == {("_entities", 2): "BAD_USER_INPUT", ("_entities", 3): "BAD_USER_INPUT"}


async def test_service_sdl_is_the_subgraph_sdl() -> None:
    async with open_gateway() as gw:
        sdl = (await gw.data("{ _service { sdl } }"))["_service"]["sdl"]
    assert sdl + "\n" == print_subgraph_sdl()
    assert sdl.startswith(
        f'schema @link(url: "https://specs.apollo.dev/federation/v{FEDERATION_VERSION}", '
        'import: ["@cost", "@key", "@listSize"])'
    )
    assert 'type PhoneNumber implements Node @key(fields: "id")' in sdl
    assert 'type Assistant implements Node @key(fields: "id")' in sdl
    assert "union _Entity = Assistant | PhoneNumber" in sdl


def test_every_cost_hint_lands_on_a_field() -> None:
    """A renamed field must not silently lose its hint."""
    document = parse(print_subgraph_sdl())
    fields = {
        (d.name.value, f.name.value): {x.name.value for x in f.directives or ()}
        for d in document.definitions
        if isinstance(d, ObjectTypeDefinitionNode)
        for f in d.fields or ()
    }
    for (type_name, field_name), hints in COST_HINTS.items():
        names = {type(h).__name__ for h in hints}
        expected = {"cost" if n == "Cost" else "listSize" for n in names}
        assert fields.get((type_name, field_name), set()) >= expected, (type_name, field_name)
    list_size = (
        '@listSize(assumedSize: 20, slicingArguments: ["first", "last"], '
        'sizedFields: ["edges", "nodes"], requireOneSlicingArgument: false)'
    )
    weight = f"@cost(weight: {len(PROVIDER_ORDER)}) "
    assert "PhoneNumberConnection! " + weight + list_size in print_subgraph_sdl()


class _StripFederation(Visitor):
    """Removes from an SDL document what federation adds to it."""

    def enter_schema_definition(self, *_: Any) -> object:
        return REMOVE  # only there for @link

    def enter_directive(self, node: DirectiveNode, *_: Any) -> object:
        return REMOVE if node.name.value in FEDERATION_DIRECTIVES else None

    def enter_field_definition(self, node: FieldDefinitionNode, *_: Any) -> object:
        return REMOVE if node.name.value in FEDERATION_FIELDS else None

    def enter(self, node: Node, *_: Any) -> object:
        name = getattr(node, "name", None)
        if isinstance(node, TypeDefinitionNode) and name and name.value in FEDERATION_TYPES:
            return REMOVE
        return None


def _without_federation(document: DocumentNode) -> str:
    return print_ast(visit(document, _StripFederation()))


def test_plain_schema_is_the_subgraph_minus_federation() -> None:
    subgraph = print_subgraph_sdl()
    plain = print_sdl()
    assert _without_federation(parse(subgraph)) == print_ast(parse(plain))
    for marker in ("@key", "@link", "@listSize", "@cost", "_entities", "_service", "_Any"):
        assert marker not in plain


def test_plain_runtime_schema_has_nothing_of_federation() -> None:
    """What clients introspect from a federation = false server is exactly the SDL."""
    plain = build_schema(federation=False)
    introspected = build_client_schema(introspection_from_schema(core_schema(plain)))
    from_sdl = build_ast_schema(parse(print_sdl()))
    assert print_schema(lexicographic_sort_schema(introspected)) == print_schema(
        lexicographic_sort_schema(from_sdl)
    )
    assert not {d.name for d in core_schema(plain).directives} & FEDERATION_DIRECTIVES
    assert "_FieldSet" not in core_schema(plain).type_map


def test_building_plain_leaves_the_entity_keys_in_place() -> None:
    build_schema(federation=False)
    assert 'type PhoneNumber implements Node @key(fields: "id")' in (
        build_schema(federation=True).as_str()
    )
    assert "@key" not in build_schema(federation=False).as_str()


@pytest.mark.parametrize("value", ["false", "0"])
async def test_federation_switched_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SWITCHBOARD_FEDERATION", value)
    assert load_settings(None, demo=True).federation is False
    async with open_gateway(federation=False) as gw:
        for query in ("{ _service { sdl } }", "{ _entities(representations: []) { __typename } }"):
            body = await gw.query(query, _status=400)
            assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        data = await gw.data("{ phoneNumbers(first: 1) { nodes { id } } }")
        assert len(data["phoneNumbers"]["nodes"]) == 1
