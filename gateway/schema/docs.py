"""Descriptions shared by several schema elements, and descriptions of enum values.

GraphiQL's docs explorer is where frontend developers read the API, so every element of
the schema says what it means and its limits (tests/test_schema_docs.py fails on one
that does not). The paging arguments appear on three connections with the same rules;
they are written once here so the three cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Final

from ..paging import DEFAULT_PAGE_SIZE

# The default of the max_page_size setting (gateway/config.py).
DEFAULT_MAX_PAGE_SIZE: Final = 100

FIRST: Final = (
    "Return the first N items (after `after`, if given). 0..max_page_size (a gateway "
    f"setting, {DEFAULT_MAX_PAGE_SIZE} by default); anything else is BAD_USER_INPUT, and so "
    f"is passing `last` too. Without first and last: the first {DEFAULT_PAGE_SIZE} items "
    f"(the last {DEFAULT_PAGE_SIZE} before `before`, if only `before` is given)."
)
AFTER: Final = (
    "Start after this cursor (an edge's `cursor` or pageInfo.endCursor from the same list "
    "and filter). A tampered, expired (cursor_ttl_seconds, a day by default) or foreign "
    "cursor is BAD_CURSOR. Null: from the start of the list."
)
LAST: Final = (
    "Return the last N items (before `before`, if given). 0..max_page_size "
    f"({DEFAULT_MAX_PAGE_SIZE} by default); not together with `first` (BAD_USER_INPUT). "
    "On a cursor-only API (Butter, Retell) the gateway walks forward to the cursor to page back."
)
BEFORE: Final = (
    "End before this cursor (an edge's `cursor` or pageInfo.startCursor from the same "
    "list and filter); BAD_CURSOR as for `after`. Null: up to the end of the list."
)
PROVIDERS_FILTER: Final = (
    "Only these providers (in Provider order, whatever order is given). Null: every "
    "configured provider; a provider that is not configured matches nothing."
)


def describe_values(enum: type[Enum], descriptions: Mapping[str, str]) -> None:
    """Give the GraphQL values of a Strawberry enum their descriptions.

    The Python enums live in the model and the adapter protocol, which know nothing of
    GraphQL, so their values are described here rather than with ``strawberry.enum_value``
    in the class body. A member left out stays undocumented (and fails the schema docs
    test) instead of failing at import, so adding a member never breaks the gateway; a
    name that is not a member is a typo and raises.
    """
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    values = {value.name: value for value in definition.values}
    unknown = set(descriptions) - set(values)
    if unknown:
        raise KeyError(f"{enum.__name__} has no values {sorted(unknown)}")
    for name, text in descriptions.items():
        values[name].description = text


__all__ = [
    "AFTER",
    "BEFORE",
    "DEFAULT_MAX_PAGE_SIZE",
    "DEFAULT_PAGE_SIZE",
    "FIRST",
    "LAST",
    "PROVIDERS_FILTER",
    "describe_values",
]
