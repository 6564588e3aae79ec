"""The GraphQL object types. Nodes are built once from the normalized records; leaves are
plain attributes (no per-field resolvers), only links resolve through the loaders."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from .. import model
from ..providers.base import Pagination
from .connection import Connection
from .context import Info

Provider = strawberry.enum(model.ProviderName, name="Provider", description="A voice-AI platform.")
NumberStatus = strawberry.enum(
    model.NumberStatus,
    description="AVAILABLE: not routed to an assistant (or user); ASSIGNED: in use.",
)
NumberType = strawberry.enum(model.NumberType)
PaginationStyle = strawberry.enum(
    Pagination, name="PaginationStyle", description="How a provider's list endpoint pages."
)


@strawberry.type(description="What a number can do; null where the provider does not say.")
class Capabilities:
    voice: bool | None
    sms: bool | None
    mms: bool | None
    inbound: bool | None
    outbound: bool | None


def node_id(provider: model.ProviderName, native_id: str) -> str:
    """The part of a global ID after the type name: ``<provider>:<native id>``."""
    return f"{provider.value}:{native_id}"


@strawberry.federation.type(keys=["id"], description="A phone number held at one provider.")
class PhoneNumber(relay.Node):
    key: relay.NodeID[str]
    provider: Provider  # type: ignore[valid-type]
    native_id: str = strawberry.field(description="The provider's own id of the number.")
    number: str = strawberry.field(description="E.164, e.g. +15551234567.")
    display_name: str | None
    status: NumberStatus  # type: ignore[valid-type]
    number_type: NumberType | None  # type: ignore[valid-type]
    locality: str | None
    capabilities: Capabilities
    carrier: str | None = strawberry.field(description="Telephony carrier, e.g. twilio.")
    created_at: datetime | None
    updated_at: datetime | None
    record: strawberry.Private[model.PhoneNumber]

    @classmethod
    def of(cls, n: model.PhoneNumber) -> PhoneNumber:
        c = n.capabilities
        return cls(
            key=node_id(n.provider, n.native_id),
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

    @strawberry.field(description="The assistant this number routes to, if any.")
    async def assistant(self, info: Info) -> Assistant | None:
        loaders = info.context.loaders
        n = self.record
        found: model.Assistant | None
        if n.assistant is not None:
            found = await loaders.linked_assistant.load((n.provider, n.assistant.native_id))
        elif (
            n.status is model.NumberStatus.ASSIGNED
            and info.context.runtime.adapters[n.provider].info.links_by_number
        ):
            found = await loaders.assistant_by_number.load((n.provider, n.number))
        else:
            return None
        return Assistant.of(found) if found else None


@strawberry.federation.type(keys=["id"], description="A voice assistant (agent) at one provider.")
class Assistant(relay.Node):
    key: relay.NodeID[str]
    provider: Provider  # type: ignore[valid-type]
    native_id: str
    name: str
    active: bool | None
    record: strawberry.Private[model.Assistant]

    @classmethod
    def of(cls, a: model.Assistant) -> Assistant:
        return cls(
            key=node_id(a.provider, a.native_id),
            provider=a.provider,
            native_id=a.native_id,
            name=a.name,
            active=a.active,
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
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PhoneNumber]:
        from .listing import assistant_numbers_connection

        return await assistant_numbers_connection(
            info, self.record, first=first, after=after, last=last, before=before
        )


@strawberry.type(description="A configured provider and what its API supports natively.")
class ProviderInfo:
    name: Provider  # type: ignore[valid-type]
    pagination: PaginationStyle  # type: ignore[valid-type]
    native_filters: list[str] = strawberry.field(description="Filters the upstream applies itself.")
    max_page_size: int


__all__ = ["Assistant", "PhoneNumber", "ProviderInfo"]
