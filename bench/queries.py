"""The GraphQL documents the scenarios send."""

from __future__ import annotations

import json
from typing import Any

from gateway.model import PROVIDER_ORDER


def numbers_page(first: int) -> str:
    """A page of numbers with their assistants' names (the overhead query)."""
    return (
        f"{{ phoneNumbers(first: {first}) {{ edges {{ node {{ id number assistant {{ name }} }} }}"
        " pageInfo { hasNextPage endCursor } } }"
    )


# What a frontend list view asks for.
FRONTEND = (
    "{ phoneNumbers(first: 20) { edges { cursor node { id provider number status displayName"
    " assistant { name } } } pageInfo { hasNextPage endCursor } } }"
)


def assistants_with_numbers(first: int) -> str:
    return (
        f"{{ assistants(first: {first}) {{ edges {{ node {{ id name"
        " phoneNumbers(first: 5) { edges { node { number } } } } } } }"
    )


def nodes(ids: list[str], *, nested: bool = True) -> str:
    inner = "number assistant { name }" if nested else "number"
    return f"{{ nodes(ids: {json.dumps(ids)}) {{ id ... on PhoneNumber {{ {inner} }} }} }}"


def ids_of_provider(provider: str, first: int) -> str:
    return (
        f"{{ phoneNumbers(first: {first}, filter: {{providers: [{provider.upper()}]}})"
        " { edges { node { id } } } }"
    )


def entities(ids: list[str]) -> str:
    reps = ", ".join(f'{{__typename: "PhoneNumber", id: {json.dumps(i)}}}' for i in ids)
    return f"{{ _entities(representations: [{reps}]) {{ ... on PhoneNumber {{ id number }} }} }}"


ENTITIES_PROBE = '{ __type(name: "Query") { fields { name } } }'
PROVIDERS = [p.value for p in PROVIDER_ORDER]


def body(query: str) -> dict[str, Any]:
    return {"query": query}
