"""The ``orderBy`` inputs of the list fields, and their reading into a gateway order.

Apart from ``query.py`` because ``types.py`` (``Assistant.phoneNumbers``) needs them too;
the order itself (keys, nulls, tie-breakers) is gateway/ordering.py's.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, Final

import strawberry

from ..errors import UserInputError
from ..ordering import ASSISTANT_KEYS, NUMBER_KEYS, Direction, Order, SortKey, order_of
from .docs import describe_values

ORDER_BY: Final = (
    "Sort the whole list across providers by these keys, the first deciding first. Ties "
    "are broken by provider (Provider order), then by the provider's id, always ascending, "
    "so the order is total; a null value (not reported) sorts last in both directions. "
    "Cursors then carry the sort values and stay valid while items are added or removed "
    "(a page starts right after its cursor's item); they are bound to this order, and a "
    "cursor of another order (or of the unsorted list) is BAD_CURSOR. A provider with more "
    "than sorted_max_items_per_provider items (a gateway setting, 50000 by default) is left "
    "out with a SORT_LIMIT_EXCEEDED error naming it. Each key at most once "
    "(BAD_USER_INPUT otherwise). Null or empty: the unsorted order, providers in "
    "Provider order, each in its API's own order."
)


class PhoneNumberOrderField(enum.Enum):
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"
    NUMBER = "NUMBER"
    DISPLAY_NAME = "DISPLAY_NAME"
    PROVIDER = "PROVIDER"
    STATUS = "STATUS"


class AssistantOrderField(enum.Enum):
    NAME = "NAME"
    PROVIDER = "PROVIDER"
    CREATED_AT = "CREATED_AT"


NumberField = strawberry.enum(
    PhoneNumberOrderField, description="What a phone-number list can be sorted by."
)
AssistantField = strawberry.enum(
    AssistantOrderField, description="What an assistant list can be sorted by."
)
OrderDirection = strawberry.enum(Direction, name="OrderDirection", description="A sort direction.")

describe_values(
    PhoneNumberOrderField,
    {
        "CREATED_AT": "PhoneNumber.createdAt; null where the provider does not report it.",
        "UPDATED_AT": "PhoneNumber.updatedAt; null where the provider does not report it.",
        "NUMBER": "The E.164 number, compared as text (+1... before +44...).",
        "DISPLAY_NAME": "The label, case-insensitively; an unlabelled number counts as null.",
        "PROVIDER": "The provider, in Provider order.",
        "STATUS": "AVAILABLE before ASSIGNED.",
    },
)
describe_values(
    AssistantOrderField,
    {
        "NAME": "The name, case-insensitively.",
        "PROVIDER": "The provider, in Provider order.",
        "CREATED_AT": "Assistant.createdAt; null where the provider does not report it.",
    },
)
describe_values(
    Direction,
    {
        "ASC": "Smallest first (oldest first, A to Z); nulls still last.",
        "DESC": "Largest first (newest first, Z to A); nulls still last.",
    },
)

DIRECTION: Final = "ASC or DESC (the default: ASC). Nulls sort last either way."


@strawberry.input(description="One key of a phone-number list's order.")
class PhoneNumberOrder:
    field: NumberField = strawberry.field(  # type: ignore[valid-type]
        description="What to sort by."
    )
    direction: OrderDirection = strawberry.field(  # type: ignore[valid-type]
        default=Direction.ASC, description=DIRECTION
    )


@strawberry.input(description="One key of an assistant list's order.")
class AssistantOrder:
    field: AssistantField = strawberry.field(  # type: ignore[valid-type]
        description="What to sort by."
    )
    direction: OrderDirection = strawberry.field(  # type: ignore[valid-type]
        default=Direction.ASC, description=DIRECTION
    )


def _order(table: dict[str, SortKey[Any]], requested: Sequence[Any] | None) -> Order[Any] | None:
    pairs = [(o.field.value, Direction(o.direction)) for o in requested or ()]
    try:
        return order_of(table, pairs)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None


def number_order(requested: Sequence[PhoneNumberOrder] | None) -> Order[Any] | None:
    """The order ``orderBy`` asks of a phone-number list; None: unsorted."""
    return _order(NUMBER_KEYS, requested)


def assistant_order(requested: Sequence[AssistantOrder] | None) -> Order[Any] | None:
    """The order ``orderBy`` asks of an assistant list; None: unsorted."""
    return _order(ASSISTANT_KEYS, requested)


__all__ = [
    "ORDER_BY",
    "AssistantOrder",
    "PhoneNumberOrder",
    "assistant_order",
    "number_order",
]
