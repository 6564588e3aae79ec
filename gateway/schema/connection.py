"""Relay Cursor Connections, generic over the node type."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.relay import PageInfo

from ..errors import GatewayError
from .plain_fields import answered_by

NodeT = TypeVar("NodeT")


@answered_by(lambda edge, _context: edge.signed())
def _signed(root: Edge[Any]) -> str:
    return root.signed()


@strawberry.type(description="An edge in a connection.")
class Edge(Generic[NodeT]):
    """An item and its place; the place is signed into a cursor only when one is asked
    for (``edges { cursor }``, or the page's start and end), not for every edge."""

    cursor: str = strawberry.field(
        resolver=_signed, description="Opaque; pass to after/before to page on."
    )
    node: NodeT = strawberry.field(description="The item at this position of the list.")
    place: strawberry.Private[Any]
    sign: strawberry.Private[Callable[[Any], str]]

    def signed(self) -> str:
        """The cursor of this edge."""
        return self.sign(self.place)


@strawberry.type(
    description=(
        "A page of a list, per the Relay Cursor Connections spec. A provider that fails is "
        "skipped with an error and owed: the cursors after it resume it first, and "
        "hasNextPage stays true until it has answered."
    )
)
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(
        description="The items of this page with their cursors, in list order; at most "
        "first/last of them."
    )
    page_info: PageInfo = strawberry.field(
        description="Where this page is in the list: the cursors to continue from and "
        "whether there is more (true while a failed provider is still owed)."
    )
    count_all: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description=(
            "Items in the whole filtered list (computed only when asked). With an error "
            "beside it, only the providers that answered are counted."
        )
    )
    async def total_count(self) -> int:
        return await self.count_all()

    @strawberry.field(description="The nodes of the edges, for clients that need no cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


async def total(counts: Iterable[Awaitable[int]], report: Callable[[GatewayError], None]) -> int:
    """The providers' counts summed; one that fails is reported and counts nothing
    (totalCount is then a lower bound, with the error beside it)."""

    async def one(count: Awaitable[int]) -> int:
        try:
            return await count
        except GatewayError as exc:
            report(exc)
            return 0

    return sum(await asyncio.gather(*(one(c) for c in counts)))


def page_info(
    edges: list[Edge[NodeT]],
    *,
    has_previous: bool,
    has_next: bool,
    stalled: bool,
    backward: bool,
    sent: str | None,
) -> PageInfo:
    """The page's PageInfo. A stalled page (nothing could be read) gives back the cursor
    it was ``sent`` as the one to continue from: "continue from the cursor" repeats this
    page, where a null cursor would send a client back to the start of the list."""
    start = edges[0].signed() if edges else None
    end = edges[-1].signed() if edges else None
    if stalled:
        if backward:
            start = sent
        else:
            end = sent
    return PageInfo(
        has_next_page=has_next, has_previous_page=has_previous, start_cursor=start, end_cursor=end
    )
