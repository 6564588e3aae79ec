"""The GraphQL object types. Nodes are built once from the normalized records; leaves are
plain attributes (no per-field resolvers), only links resolve through the loaders."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry import relay

from .. import model
from ..made_once import MadeOnce, process_wide
from .connection import Connection
from .context import Context, Info
from .docs import AFTER, BEFORE, FIRST, LAST
from .enums import NumberStatus, NumberType, PaginationStyle, Provider, RouteChannel, RouteDirection
from .filters import AssistantPhoneNumberFilter, NumberConditions
from .health import ProviderHealth, provider_health
from .ids import keyed_id, node_id
from .order_inputs import ORDER_BY, PhoneNumberOrder, number_order
from .plain_fields import UNKNOWN, answered_by

# Node.id as a plain attribute, set once when the node is built: the same field, type and
# description as relay.Node's, without a resolver call (and its Info) per node.
NODE_ID = strawberry.field(name="id", description="The Globally Unique ID of this object")


@strawberry.type(description="What a number can do; null where the provider does not say.")
class Capabilities:
    voice: bool | None = strawberry.field(
        description="Takes voice calls. Null: the provider does not say (Teli voice numbers: true)."
    )
    sms: bool | None = strawberry.field(
        description="Sends and receives SMS. Null: the provider does not say "
        "(Teli SMS numbers: true)."
    )
    mms: bool | None = strawberry.field(description="Sends and receives MMS. Null: not reported.")
    inbound: bool | None = strawberry.field(
        description="Accepts inbound calls. Null: not reported (Butter reports it)."
    )
    outbound: bool | None = strawberry.field(
        description="Can place outbound calls. Null: not reported (Butter reports it)."
    )


def _known(
    context: Context, n: model.PhoneNumber, ref: model.AssistantRef | None
) -> Assistant | Exception | None:
    """What the request already knows of the assistant ``ref`` points to (or, where the
    provider links by number, of the one that holds ``n``): the assistant, ``None`` where
    there is none, the lookup's error, or ``UNKNOWN`` until the loaders have read it."""
    loaders = context.loaders
    if ref is not None:
        known = loaders.linked_now(n.provider, ref.native_id)
    elif (
        n.status is model.NumberStatus.ASSIGNED
        and context.runtime.adapters[n.provider].info.links_by_number
    ):
        known = loaders.holder_now(n.provider, n.number)
    else:
        return None
    if known is None:
        return UNKNOWN  # type: ignore[no-any-return]
    if isinstance(known, Exception):
        return known
    return ASSISTANT_NODES(known)  # one node per assistant, shared by the numbers it holds


def _peek(n: model.PhoneNumber, ref: model.AssistantRef | None, context: Context) -> object:
    if ref is None:
        known = _known(context, n, ref)
        return UNKNOWN if isinstance(known, Exception) else known  # the resolver raises it
    key = (n.provider, ref.native_id)
    found = context.linked.get(key)
    if found is None:
        found = _known(context, n, ref)
        if isinstance(found, Exception):
            return UNKNOWN  # the resolver raises it
        if found is not None and found is not UNKNOWN:
            context.linked[key] = found
    return found


def _linked(
    info: Info, n: model.PhoneNumber, ref: model.AssistantRef | None
) -> Assistant | Awaitable[Assistant | None] | None:
    """The assistant ``ref`` points to (or, where the provider links by number, the one
    that holds ``n``), through the request's batched loaders; ``None`` only where there
    is none (a failed lookup is an error at the field's path, never a silent null).

    A value where the request already knows the answer (an embedded assistant, a list
    read by the look-ahead), else an awaitable: graphql-core awaits what needs it, so
    the known answers cost no coroutine and no task. The executor asks ``_peek`` first
    and calls this only when the answer is not known yet.
    """
    known = _known(info.context, n, ref)
    if isinstance(known, Exception):
        raise known
    if known is not UNKNOWN:
        return known
    loaders = info.context.loaders
    if ref is not None:
        return _node_of(loaders.linked_assistant.load((n.provider, ref.native_id)))
    return _node_of(loaders.assistant_by_number.load((n.provider, n.number)))


async def _node_of(pending: Awaitable[model.Assistant | None]) -> Assistant | None:
    found = await pending
    return ASSISTANT_NODES(found) if found else None


@strawberry.type(
    description="One way a number reaches an assistant: a direction, a channel and, where "
    "the provider splits traffic between several assistants, a share."
)
class AssistantRoute:
    direction: RouteDirection = strawberry.field(  # type: ignore[valid-type]
        description="Which calls (or messages) this route takes; UNSPECIFIED where the "
        "provider does not say."
    )
    channel: RouteChannel = strawberry.field(  # type: ignore[valid-type]
        description="Calls (VOICE) or text messages (SMS)."
    )
    weight: float | None = strawberry.field(
        description="This route's share of its direction and channel, in (0, 1]; the "
        "shares of one direction and channel sum to 1 (a split, e.g. 0.7 and 0.3 for an "
        "A/B test). Null: the provider links one assistant and has no split."
    )
    number: strawberry.Private[model.PhoneNumber]
    ref: strawberry.Private[model.AssistantRef | None]

    @classmethod
    def of(
        cls,
        n: model.PhoneNumber,
        kind: model.RouteKind,
        weight: float | None,
        ref: model.AssistantRef | None,
    ) -> AssistantRoute:
        """A route of ``n``; ``ref`` None: its assistant is the one that holds ``n``."""
        return cls(direction=kind.direction, channel=kind.channel, weight=weight, number=n, ref=ref)

    @strawberry.field(
        description="The assistant the route leads to. Null with an error at this path "
        "when its provider cannot say which (a failed or dangling lookup)."
    )
    @answered_by(lambda route, context: _peek(route.number, route.ref, context))
    def assistant(self, info: Info) -> Assistant | None:
        # A value or an awaitable (see _linked); the annotation is the GraphQL type.
        return cast("Assistant | None", _linked(info, self.number, self.ref))


@strawberry.federation.type(keys=["id"], description="A phone number held at one provider.")
class PhoneNumber(relay.Node):
    key: relay.NodeID[str]
    _id: strawberry.ID = NODE_ID
    provider: Provider = strawberry.field(  # type: ignore[valid-type]
        description="The provider that holds the number. A number held at two providers is "
        "two PhoneNumber records, one per provider."
    )
    native_id: str = strawberry.field(description="The provider's own id of the number.")
    number: str = strawberry.field(description="E.164, e.g. +15551234567.")
    display_name: str | None = strawberry.field(
        description="The label given to the number at the provider (a friendly name or "
        "nickname). Null: none set, or the provider has no such field."
    )
    status: NumberStatus = strawberry.field(  # type: ignore[valid-type]
        description="Whether the number is routed to an assistant (or, Teli SMS, a user)."
    )
    number_type: NumberType | None = strawberry.field(  # type: ignore[valid-type]
        description="Local, mobile, national or toll-free. Null: the provider does not say "
        "(every provider but Flireo today)."
    )
    locality: str | None = strawberry.field(
        description="Where the number is, as the provider words it (a city or region). "
        "Null: not reported (Flireo and Teli voice numbers report it)."
    )
    capabilities: Capabilities = strawberry.field(
        description="What the number can do; each flag is null where the provider does not say."
    )
    carrier: str | None = strawberry.field(
        description="Telephony carrier, e.g. twilio. Null: the provider does not say."
    )
    created_at: datetime | None = strawberry.field(
        description="When the number was added at the provider (ISO 8601). Null: not reported."
    )
    updated_at: datetime | None = strawberry.field(
        description="When the provider last changed the number (ISO 8601). Null: not reported."
    )
    record: strawberry.Private[model.PhoneNumber]

    @classmethod
    def of(cls, n: model.PhoneNumber) -> PhoneNumber:
        c = n.capabilities
        key = node_id(n.provider, n.native_id)
        return cls(
            key=key,
            _id=strawberry.ID(keyed_id("PhoneNumber", key)),
            provider=n.provider,
            native_id=n.native_id,
            number=n.number,
            display_name=n.display_name,
            status=n.status,
            number_type=n.number_type,
            locality=n.locality,
            capabilities=Capabilities(
                voice=c.voice, sms=c.sms, mms=c.mms, inbound=c.inbound, outbound=c.outbound
            ),
            carrier=n.carrier,
            created_at=n.created_at,
            updated_at=n.updated_at,
            record=n,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> PhoneNumber | None:
        """Federation ``_entities``: batched per provider through the request's loaders."""
        from .federation import resolve_entity

        found: PhoneNumber | None = await resolve_entity(info, "PhoneNumber", id)
        return found

    @strawberry.field(
        description="The assistant this number routes to, if any. A number routed to "
        "several (see routes) shows its primary one: the inbound voice route with the "
        "largest share (the first listed on a tie), else the outbound voice one, else "
        "the SMS ones in the same order. Null: routed to no assistant (or, with an error "
        "at this path, its provider could not say which)."
    )
    @answered_by(lambda number, context: _peek(number.record, number.record.assistant, context))
    def assistant(self, info: Info) -> Assistant | None:
        # A value or an awaitable (see _linked); the annotation is the GraphQL type.
        return cast("Assistant | None", _linked(info, self.record, self.record.assistant))

    @strawberry.field(
        description="Every route of the number to an assistant: per direction and "
        "channel, one assistant or a weighted split of several. A provider with "
        "a single link gives one route, the same assistant as `assistant`. Empty: routed "
        "to no assistant. Resolved through the same batched lookups as `assistant`."
    )
    def routes(self, info: Info) -> list[AssistantRoute]:
        n = self.record
        adapter = info.context.runtime.adapters[n.provider].info
        listed = model.routes_of(n, adapter.link_route)
        if not listed and n.status is model.NumberStatus.ASSIGNED and adapter.links_by_number:
            # The assistant holds the number (Synthflow): found by number when asked for.
            return [AssistantRoute.of(n, adapter.link_route, None, None)]
        return [AssistantRoute.of(n, r.kind, r.weight, r.assistant) for r in listed]


@strawberry.federation.type(keys=["id"], description="A voice assistant (agent) at one provider.")
class Assistant(relay.Node):
    key: relay.NodeID[str]
    _id: strawberry.ID = NODE_ID
    provider: Provider = strawberry.field(  # type: ignore[valid-type]
        description="The provider the assistant lives at; it links only that provider's numbers."
    )
    native_id: str = strawberry.field(description="The provider's own id of the assistant.")
    name: str = strawberry.field(description="The assistant's name at the provider (not unique).")
    active: bool | None = strawberry.field(
        description="Whether the provider has the assistant switched on. Null: the provider "
        "does not say (Butter, Flireo, Synthflow, and Teli agents without a status)."
    )
    created_at: datetime | None = strawberry.field(
        description="When the assistant was created at the provider (ISO 8601). Null: not reported."
    )
    record: strawberry.Private[model.Assistant]

    @classmethod
    def of(cls, a: model.Assistant) -> Assistant:
        key = node_id(a.provider, a.native_id)
        return cls(
            key=key,
            _id=strawberry.ID(keyed_id("Assistant", key)),
            provider=a.provider,
            native_id=a.native_id,
            name=a.name,
            active=a.active,
            created_at=a.created_at,
            record=a,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Assistant | None:
        """Federation ``_entities``: batched per provider through the request's loaders."""
        from .federation import resolve_entity

        found: Assistant | None = await resolve_entity(info, "Assistant", id)
        return found

    @strawberry.field(
        description=(
            "The numbers routed to this assistant. If its provider cannot list them, an "
            "empty page with hasNextPage true and an error at this field's path."
        )
    )
    async def phone_numbers(
        self,
        info: Info,
        filter: Annotated[
            AssistantPhoneNumberFilter | None,
            strawberry.argument(
                description="Conditions every number must meet, as for Query.phoneNumbers. "
                "Null: all."
            ),
        ] = None,
        order_by: Annotated[
            list[PhoneNumberOrder] | None, strawberry.argument(description=ORDER_BY)
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=BEFORE)] = None,
    ) -> Connection[PhoneNumber]:
        from .listing import assistant_numbers_connection

        return await assistant_numbers_connection(
            info,
            self.record,
            conditions=NumberConditions.of(filter),
            first=first,
            after=after,
            last=last,
            before=before,
            order=number_order(order_by),
        )


@strawberry.type(description="A configured provider and what its API supports natively.")
class ProviderInfo:
    name: Provider = strawberry.field(description="The provider.")  # type: ignore[valid-type]
    pagination: PaginationStyle = strawberry.field(  # type: ignore[valid-type]
        description="How its list endpoints page; says what paging backwards costs."
    )
    native_filters: list[str] = strawberry.field(
        description='Filters the upstream applies itself (e.g. ["status"]); the others are '
        "applied in the gateway, which may read more pages to fill one."
    )
    max_page_size: int = strawberry.field(
        description="The largest page its numbers endpoint serves per call (the API's own "
        "limit); the gateway asks for at most this or upstream_page_size, whichever is "
        "smaller. Not a limit on first/last, which span providers and pages."
    )

    @strawberry.field(
        description="The provider's circuit breaker and last error in the caller's tenant "
        "(another tenant's calls never show here). Like any query, the answer may come "
        "from the response cache, up to the provider's cache_ttl_seconds old."
    )
    def health(self, info: Info) -> ProviderHealth:
        return provider_health(info.context.runtime, self.name)


# One GraphQL object per record in use, whatever the request (gateway/made_once.py).
PHONE_NUMBER_NODES = process_wide(MadeOnce(PhoneNumber.of))
ASSISTANT_NODES = process_wide(MadeOnce(Assistant.of))

__all__ = [
    "ASSISTANT_NODES",
    "PHONE_NUMBER_NODES",
    "Assistant",
    "AssistantRoute",
    "PhoneNumber",
    "ProviderInfo",
]
