"""Builds sorted connections (``orderBy``): per-provider sources -> sorted parts -> a
window of edges with keyset cursors (gateway/sorted_window.py)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from .. import model
from ..cursors import CursorCodec, KeysetCursor
from ..errors import BadCursorError, GatewayError
from ..ordering import Order
from ..pagination import Source
from ..sorted_window import read_sorted, sorted_window
from .connection import Connection, Edge, page_info
from .context import Info

T = TypeVar("T")
N = TypeVar("N")


def _decode(codec: CursorCodec, raw: str | None, width: int, slots: int) -> KeysetCursor | None:
    if raw is None:
        return None
    cursor = codec.decode_keyset(raw, width)
    if not all(0 <= k < slots for k in cursor.slots()):
        raise BadCursorError("cursor belongs to a different list, filter or order")
    return cursor


async def sorted_connection(
    info: Info,
    *,
    codec: CursorCodec,
    providers: Sequence[model.ProviderName],
    sources: list[Source[T]],
    order: Order[T],
    first: int | None,
    last: int | None,
    after: str | None,
    before: str | None,
    to_node: Callable[[T], N],
    prepare: Callable[[list[T]], Awaitable[None]] | None = None,
) -> Connection[N]:
    """The page of the list sorted by ``order``; ``sources`` read whole, their ``keep``
    applied after the limit counted every upstream item; ``prepare`` as for
    ``build_connection``."""
    width = len(order.keys)
    cursor_after = _decode(codec, after, width, len(sources))
    cursor_before = _decode(codec, before, width, len(sources))
    limit = info.context.runtime.settings.sorted_max_items_per_provider
    parts = await asyncio.gather(
        *(
            read_sorted(dataclasses.replace(s, keep=None), providers[s.slot], order, s.keep, limit)
            for s in sources
        )
    )

    def report(error: GatewayError) -> None:
        info.context.report(error, info)

    window = sorted_window(
        list(parts),
        order,
        first=first,
        after=cursor_after,
        last=last,
        before=cursor_before,
        on_error=report,
    )
    if prepare is not None:
        await prepare([item for _, item in window.entries])
    sign = codec.encode_keyset
    edges = [Edge(node=to_node(item), place=c, sign=sign) for c, item in window.entries]

    async def count_all() -> int:
        total = 0
        for part in parts:
            if part.error is not None:
                report(part.error)
            else:
                total += len(part.entries)
        return total

    pages: Any = page_info(
        edges,
        has_previous=window.has_previous,
        has_next=window.has_next,
        stalled=window.stalled,
        backward=last is not None,
        sent=after if last is None else before,
    )
    return Connection(edges=edges, page_info=pages, count_all=count_all)


__all__ = ["sorted_connection"]
