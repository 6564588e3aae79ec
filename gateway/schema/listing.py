"""Builds connections: Relay arguments -> per-provider sources -> a window of edges."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.types.nodes import SelectedField

from .. import model
from ..cursors import CursorCodec
from ..errors import BadCursorError, GatewayError, UserInputError
from ..loaders import Kind
from ..ordering import Order
from ..pagination import Source, paginate
from ..paging import NumberFilter, Page, PageRequest, Pagination
from .connection import Connection, Edge, page_info, total
from .context import Info
from .docs import DEFAULT_PAGE_SIZE
from .filters import MAX_CARRIER, NumberConditions
from .sorted_listing import Kept, sorted_connection
from .types import ASSISTANT_NODES, PHONE_NUMBER_NODES, Assistant, PhoneNumber

T = TypeVar("T")
N = TypeVar("N")

MAX_SEARCH = 100


@dataclass(frozen=True)
class Args:
    first: int | None
    after: str | None
    last: int | None
    before: str | None


def _check_args(args: Args, maximum: int, default: int) -> tuple[int | None, int | None]:
    if args.first is not None and args.last is not None:
        raise UserInputError("pass either first (with after) or last (with before), not both")
    for name in ("first", "last"):
        value = getattr(args, name)
        if value is not None and not 0 <= value <= maximum:
            raise UserInputError(f"{name} must be between 0 and {maximum}, got {value}")
    if args.first is None and args.last is None:
        return (default, None) if args.before is None else (None, default)
    return args.first, args.last


def _check_search(search: str | None, **names: str | None) -> None:
    """Text conditions have a length limit (BAD_USER_INPUT beyond): ``search`` and the
    named ones (carrier, locality)."""
    if search is not None and len(search) > MAX_SEARCH:
        raise UserInputError(f"search must be at most {MAX_SEARCH} characters")
    for name, value in names.items():
        if value is not None and len(value) > MAX_CARRIER:
            raise UserInputError(f"{name} must be at most {MAX_CARRIER} characters")


def _scope(kind: str, providers: Sequence[model.ProviderName], fingerprint: str) -> str:
    digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:12]
    return f"{kind}:{','.join(p.value for p in providers)}:{digest}"


async def build_connection(
    info: Info,
    *,
    kind: str,
    providers: Sequence[model.ProviderName],
    fingerprint: str,
    sources: list[Source[T]],
    args: Args,
    to_node: Callable[[T], N],
    order: Order[T] | None = None,
    prepare: Callable[[list[T]], Awaitable[None]] | None = None,
) -> Connection[N]:
    """The window of ``sources`` that ``args`` ask for, as a connection of ``to_node``'s
    nodes; ``prepare`` sees the window's items first (to settle what their fields need)."""
    runtime = info.context.runtime
    settings = runtime.settings
    _look_ahead(info, kind)
    first, last = _check_args(
        args, settings.max_page_size, min(DEFAULT_PAGE_SIZE, settings.max_page_size)
    )
    if order is not None:  # sorted lists are bound to their order as well
        fingerprint = f"{fingerprint}|order:{order.fingerprint()}"
    codec = CursorCodec(
        runtime.cursor_secret,
        _scope(kind, providers, fingerprint),
        settings.cursor_ttl_seconds,
        runtime.clock,
    )
    if order is not None:
        return await sorted_connection(
            info,
            codec=codec,
            providers=providers,
            sources=sources,
            order=order,
            first=first,
            last=last,
            after=args.after,
            before=args.before,
            to_node=to_node,
            prepare=prepare,
            natively=kind == "PhoneNumber",
            kept=_kept(kind, providers, fingerprint),
        )
    after = codec.decode(args.after) if args.after is not None else None
    before = codec.decode(args.before) if args.before is not None else None
    for cursor in (after, before):
        if cursor is not None and not all(0 <= k < len(sources) for k in cursor.slots()):
            raise BadCursorError("cursor belongs to a different list or filter")

    def report(error: GatewayError) -> None:
        info.context.report(error, info)

    window = await paginate(
        sources, first=first, after=after, last=last, before=before, on_error=report
    )
    if prepare is not None:
        await prepare([item for _, item in window.entries])
    edges = [Edge(node=to_node(item), place=c, sign=codec.encode) for c, item in window.entries]
    info_ = page_info(
        edges,
        has_previous=window.has_previous,
        has_next=window.has_next,
        stalled=window.stalled,
        backward=last is not None,
        sent=args.after if last is None else args.before,
    )

    async def count_all() -> int:
        return await total((s.count() for s in sources), report)

    return Connection(edges=edges, page_info=info_, count_all=count_all)


# The root lists, read through the request's page loader: the loader kind of each.
_ROOTS: dict[str, Kind] = {"PhoneNumber": "numbers", "Assistant": "assistants"}


def _kept(kind: str, providers: Sequence[model.ProviderName], fingerprint: str) -> Kept | None:
    """Where a root list's sorted parts are kept between its pages. Not a nested list's:
    those read one record's list through a loader of their own, no pages."""
    loader_kind = _ROOTS.get(kind)
    if loader_kind is None:
        return None
    return Kept((kind, tuple(providers), fingerprint), loader_kind)


# The linked list a connection's items lead to, by the field that follows the link.
_LINKS: dict[str, tuple[str, Kind]] = {
    "PhoneNumber": ("assistant", "assistants"),
    "Assistant": ("phoneNumbers", "numbers"),
}


def _look_ahead(info: Info, kind: str) -> None:
    """A root list whose items' links are selected starts the linked lists with its own
    first pages (one upstream round, not two). Nested lists read whole lists already."""
    link = _LINKS.get(kind)
    if link is not None and info.path.prev is None and _selects(info.selected_fields, link[0]):
        info.context.loaders.look_ahead(link[1])


def _selects(selections: Sequence[Any], name: str) -> bool:
    for selection in selections:
        if isinstance(selection, SelectedField) and selection.name == name:
            return True
        if _selects(getattr(selection, "selections", ()), name):
            return True
    return False


def _selected(info: Info, wanted: list[model.ProviderName] | None) -> list[model.ProviderName]:
    configured = list(info.context.runtime.adapters)
    if wanted is None:
        return configured
    return [p for p in configured if p in set(wanted)]


def _source(
    info: Info, slot: int, provider: model.ProviderName, kind: Kind, native: NumberFilter, keep: Any
) -> Source[Any]:
    loaders = info.context.loaders
    return Source(
        slot=slot,
        pagination=loaders.pagination(provider, kind),
        page_size=loaders.page_size(provider, kind),
        fetch=loaders.fetcher(provider, kind, native, lambda e: info.context.report(e, info)),
        keep=keep,
        length=info.context.runtime.lengths.of((provider, kind, native)),
    )


def number_keep(
    c: NumberConditions, *, status_upstream: bool = False
) -> Callable[[model.PhoneNumber], bool] | None:
    """The filters applied in the gateway (``status`` only where the upstream cannot)."""
    status = None if status_upstream else c.status
    number_type, search = c.number_type, c.search
    flags = (("voice", c.voice), ("sms", c.sms), ("mms", c.mms))
    wanted = [(name, want) for name, want in flags if want is not None]
    carrier = c.carrier.strip().casefold() if c.carrier is not None else None
    place = (c.locality or "").strip().casefold()
    if (
        status is None
        and number_type is None
        and not search
        and not wanted
        and carrier is None
        and not place
    ):
        return None
    needle = (search or "").strip().casefold()
    # A phone-number-looking search ("+1 555", "555-12") matches the digits of the
    # number; anything else matches the display name.
    is_number = bool(needle) and all(ch.isdigit() or ch in "+-() ." for ch in needle)
    digits = "".join(ch for ch in needle if ch.isdigit())

    def keep(n: model.PhoneNumber) -> bool:
        if status is not None and n.status is not status:
            return False
        if number_type is not None and n.number_type is not number_type:
            return False
        # A capability the provider does not report (None) matches neither true nor false.
        if any(getattr(n.capabilities, name) is not want for name, want in wanted):
            return False
        if carrier is not None and (n.carrier or "").casefold() != carrier:
            return False
        if place and (n.locality is None or place not in n.locality.casefold()):
            return False
        if is_number:
            return digits in n.number
        if needle:
            return needle in (n.display_name or "").casefold()
        return True

    return keep


async def phone_numbers_connection(
    info: Info,
    *,
    providers: list[model.ProviderName] | None,
    conditions: NumberConditions,
    args: Args,
    order: Order[model.PhoneNumber] | None = None,
) -> Connection[PhoneNumber]:
    _check_search(conditions.search, carrier=conditions.carrier, locality=conditions.locality)
    status = conditions.status
    selected = _selected(info, providers)
    sources = []
    for slot, provider in enumerate(selected):
        natively = "status" in info.context.runtime.adapters[provider].info.native_number_filters
        native = NumberFilter(status=status if natively else None)
        keep = number_keep(conditions, status_upstream=natively)
        sources.append(_source(info, slot, provider, "numbers", native, keep))
    return await build_connection(
        info,
        kind="PhoneNumber",
        providers=selected,
        fingerprint=conditions.fingerprint(),
        sources=sources,
        args=args,
        to_node=PHONE_NUMBER_NODES,
        order=order,
        prepare=info.context.loaders.links_ready,
    )


async def assistants_connection(
    info: Info,
    *,
    providers: list[model.ProviderName] | None,
    active: bool | None,
    search: str | None,
    args: Args,
    order: Order[model.Assistant] | None = None,
) -> Connection[Assistant]:
    _check_search(search)
    needle = (search or "").casefold()
    keep = None
    if active is not None or needle:

        def keep(a: model.Assistant) -> bool:
            return (active is None or a.active is active) and needle in a.name.casefold()

    selected = _selected(info, providers)
    sources = [
        _source(info, slot, p, "assistants", NumberFilter(), keep)
        for slot, p in enumerate(selected)
    ]
    return await build_connection(
        info,
        kind="Assistant",
        providers=selected,
        fingerprint=f"{active}|{search}",
        sources=sources,
        args=args,
        to_node=ASSISTANT_NODES,
        order=order,
    )


async def assistant_numbers_connection(
    info: Info,
    assistant: model.Assistant,
    *,
    conditions: NumberConditions,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    order: Order[model.PhoneNumber] | None = None,
) -> Connection[PhoneNumber]:
    key = (assistant.provider, assistant.native_id)

    async def fetch(_: PageRequest) -> Page[model.PhoneNumber]:
        # Read inside the source, so a failure is this connection's partial error (the
        # field stays non-null: an empty page with hasNextPage), not a null that wipes
        # the assistant, its list and the whole response above it.
        numbers = await info.context.loaders.numbers_of_assistant.load(key)
        return Page(items=numbers, total=len(numbers))

    _check_search(conditions.search, carrier=conditions.carrier, locality=conditions.locality)
    keep = number_keep(conditions)
    source: Source[model.PhoneNumber] = Source(0, Pagination.NONE, 1, fetch, keep)
    return await build_connection(
        info,
        kind="AssistantPhoneNumbers",
        providers=[assistant.provider],
        # Unfiltered: the native id alone, as before there were filters (cursors stay valid).
        fingerprint=assistant.native_id
        if keep is None
        else f"{assistant.native_id}|{conditions.fingerprint()}",
        sources=[source],
        args=Args(first, after, last, before),
        to_node=PHONE_NUMBER_NODES,
        order=order,
    )
