"""The root Query type."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry
from strawberry import relay

from ..errors import UserInputError
from .connection import Connection
from .context import Info
from .docs import AFTER, BEFORE, FIRST, LAST, PROVIDERS_FILTER
from .enums import Provider
from .filters import NumberConditions, PhoneNumberFilter
from .listing import Args, assistants_connection, phone_numbers_connection
from .nodes import resolve_node
from .order_inputs import ORDER_BY, AssistantOrder, PhoneNumberOrder, assistant_order, number_order
from .types import Assistant, PhoneNumber, ProviderInfo

MAX_NODES = 100


@strawberry.input(description="Narrows Query.assistants.")
class AssistantFilter:
    providers: list[Provider] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description=PROVIDERS_FILTER
    )
    active: bool | None = strawberry.field(
        default=None,
        description="true: only assistants the provider reports as active; false: only those "
        "it reports as inactive. An assistant whose active is null matches neither. Null: any.",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Case-insensitive match within the name; at most 100 characters. Null "
        "or empty: no search.",
    )


@strawberry.type(
    description="Reads, over every configured provider of the caller's tenant. A provider "
    "that fails leaves the others' data with an error naming it (extensions.provider)."
)
class Query:
    @strawberry.field(
        description=(
            "Phone numbers of every selected provider as one list: sorted by orderBy, or "
            "else providers in Provider order, each in its API's own order."
        )
    )
    async def phone_numbers(
        self,
        info: Info,
        filter: Annotated[
            PhoneNumberFilter | None,
            strawberry.argument(description="Conditions every number must meet. Null: all."),
        ] = None,
        order_by: Annotated[
            list[PhoneNumberOrder] | None, strawberry.argument(description=ORDER_BY)
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=BEFORE)] = None,
    ) -> Connection[PhoneNumber]:
        return await phone_numbers_connection(
            info,
            providers=filter.providers if filter else None,
            conditions=NumberConditions.of(filter),
            args=Args(first, after, last, before),
            order=number_order(order_by),
        )

    @strawberry.field(
        description="Assistants of every selected provider as one list: sorted by "
        "orderBy, or else in Provider order."
    )
    async def assistants(
        self,
        info: Info,
        filter: Annotated[
            AssistantFilter | None,
            strawberry.argument(description="Conditions every assistant must meet. Null: all."),
        ] = None,
        order_by: Annotated[
            list[AssistantOrder] | None, strawberry.argument(description=ORDER_BY)
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
        last: Annotated[int | None, strawberry.argument(description=LAST)] = None,
        before: Annotated[str | None, strawberry.argument(description=BEFORE)] = None,
    ) -> Connection[Assistant]:
        f = filter or AssistantFilter()
        return await assistants_connection(
            info,
            providers=f.providers,
            active=f.active,
            search=f.search,
            args=Args(first, after, last, before),
            order=assistant_order(order_by),
        )

    @strawberry.field(
        description="Fetches an object given its ID. Null when no such object exists at its "
        "provider or the provider is not configured; a malformed id is BAD_USER_INPUT."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="A PhoneNumber or Assistant id, as returned by this gateway."
            ),
        ],
    ) -> relay.Node | None:
        return await resolve_node(info, id)

    @strawberry.field(
        description=(
            "Fetches objects given their IDs, batched per provider. An id that is malformed "
            "or whose provider failed is null, with an error whose path is its index."
        )
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description=f"At most {MAX_NODES} ids (BAD_USER_INPUT beyond); the result "
                "has one entry per id, in the same order, duplicates included."
            ),
        ],
    ) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise UserInputError(f"at most {MAX_NODES} ids per call")
        found = await asyncio.gather(*(resolve_node(info, i) for i in ids), return_exceptions=True)
        for item in found:
            if isinstance(item, BaseException) and not isinstance(item, Exception):
                raise item  # cancellation and exits are not one id's failure
        # graphql-core completes an Exception item as null plus an error at ["nodes", i].
        return found  # type: ignore[return-value]

    @strawberry.field(description="The configured providers and what each supports natively.")
    def providers(self, info: Info) -> list[ProviderInfo]:
        return [
            ProviderInfo(
                name=name,
                pagination=adapter.info.pagination,
                native_filters=sorted(adapter.info.native_number_filters),
                max_page_size=adapter.info.max_page_size,
            )
            for name, adapter in info.context.runtime.adapters.items()
        ]
