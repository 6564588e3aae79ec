"""Builds sorted connections (``orderBy``): per-provider sources -> sorted parts -> a
window of edges with keyset cursors (gateway/sorted_window.py)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from .. import model
from ..creation_order import ByCreationPart, sorts_natively
from ..cursors import CursorCodec, KeysetCursor
from ..errors import BadCursorError, GatewayError
from ..loaders import Kind
from ..ordering import Order
from ..pagination import Source
from ..sorted_window import Part, Sorted, read_sorted, sorted_window
from .connection import Connection, Edge, page_info, total
from .context import Info

T = TypeVar("T")
N = TypeVar("N")


@dataclass(frozen=True, slots=True)
class Kept:
    """A root list whose sorted parts outlive the request (gateway/sorted_snapshots.py):
    what names the list (kind, providers, filters, order), and the loader kind it reads."""

    key: Hashable
    kind: Kind


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
    natively: bool = False,
    kept: Kept | None = None,
) -> Connection[N]:
    """The page of the list sorted by ``order``. ``natively``: the sources are upstream
    number lists, which an adapter that sorts by creation reads page by page
    (gateway/creation_order.py); the others are read whole, their ``keep`` applied after
    the limit counted every upstream item. ``prepare`` as for ``build_connection``.
    ``kept``: the parts read whole are kept for the next pages, and taken from there."""
    width = len(order.keys)
    cursor_after = _decode(codec, after, width, len(sources))
    cursor_before = _decode(codec, before, width, len(sources))
    runtime = info.context.runtime
    limit = runtime.settings.sorted_max_items_per_provider

    async def part(s: Source[T]) -> Part[T]:
        provider = providers[s.slot]
        if native is not None and runtime.adapters[provider].info.sorts_by_creation:
            numbers = cast("Source[model.PhoneNumber]", s)
            return cast("Part[T]", ByCreationPart(s.slot, provider, native, numbers, limit))

        def read() -> Awaitable[Sorted[T]]:
            return read_sorted(dataclasses.replace(s, keep=None), provider, order, s.keep, limit)

        if kept is None:
            return await read()
        ttl = runtime.snapshot_seconds(provider)
        found, old = await runtime.snapshots.through((kept.key, s.slot), ttl, read)
        if old:
            served.append(found)
        return found

    served: list[Sorted[T]] = []  # the parts this page took from the runtime's memory
    by_numbers = cast("Order[model.PhoneNumber]", order)
    native = by_numbers if natively and sorts_natively(by_numbers) else None
    parts: list[Part[T]] = list(await asyncio.gather(*(part(s) for s in sources)))

    def report(error: GatewayError) -> None:
        info.context.report(error, info)

    window = await sorted_window(
        parts,
        order,
        first=first,
        after=cursor_after,
        last=last,
        before=cursor_before,
        on_error=report,
    )
    if kept is not None:
        for found in served:  # what reading their pages would have started and primed
            shown = [item for c, item in window.entries if c.position[1] == found.slot]
            info.context.loaders.replay(providers[found.slot], kept.kind, shown)
    if prepare is not None:
        await prepare([item for _, item in window.entries])
    sign = codec.encode_keyset
    edges = [Edge(node=to_node(item), place=c, sign=sign) for c, item in window.entries]

    async def count_all() -> int:
        return await total((p.count() for p in parts), report)

    pages: Any = page_info(
        edges,
        has_previous=window.has_previous,
        has_next=window.has_next,
        stalled=window.stalled,
        backward=last is not None,
        sent=after if last is None else before,
    )
    return Connection(edges=edges, page_info=pages, count_all=count_all)


__all__ = ["Kept", "sorted_connection"]
