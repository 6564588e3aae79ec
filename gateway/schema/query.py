"""The root Query type."""

from __future__ import annotations

import asyncio

import strawberry
from strawberry import relay

from .. import model
from ..errors import UserInputError
from .connection import Connection
from .context import Info
from .listing import Args, assistants_connection, phone_numbers_connection
from .types import Assistant, NumberStatus, NumberType, PhoneNumber, Provider, ProviderInfo

_NODE_TYPES = {"PhoneNumber", "Assistant"}
MAX_NODES = 100


@strawberry.input(description="Narrows Query.phoneNumbers; all given conditions must hold.")
class PhoneNumberFilter:
    providers: list[Provider] | None = None  # type: ignore[valid-type]
    status: NumberStatus | None = None  # type: ignore[valid-type]
    number_type: NumberType | None = None  # type: ignore[valid-type]
    search: str | None = strawberry.field(
        default=None,
        description=(
            'Digits (e.g. "+1 555") match within the number; '
            "other text matches the name, case-insensitively."
        ),
    )


@strawberry.input(description="Narrows Query.assistants.")
class AssistantFilter:
    providers: list[Provider] | None = None  # type: ignore[valid-type]
    active: bool | None = None
    search: str | None = strawberry.field(default=None, description="Case-insensitive name match.")


def parse_global_id(value: str) -> tuple[str, model.ProviderName, str]:
    """``base64("<Type>:<provider>:<native id>")`` -> its three parts, or BAD_USER_INPUT."""
    try:
        gid = relay.GlobalID.from_id(value)
        provider_name, _, native_id = gid.node_id.partition(":")
        provider = model.ProviderName(provider_name)
    except (ValueError, TypeError):
        raise UserInputError(f"not a valid Switchboard id: {value[:64]!r}") from None
    if gid.type_name not in _NODE_TYPES or not native_id:
        raise UserInputError(f"not a valid Switchboard id: {value[:64]!r}")
    return gid.type_name, provider, native_id


async def _resolve(info: Info, value: str) -> relay.Node | None:
    type_name, provider, native_id = parse_global_id(value)
    if provider not in info.context.runtime.adapters:
        return None
    loaders = info.context.loaders
    if type_name == "PhoneNumber":
        number = await loaders.number.load((provider, native_id))
        return PhoneNumber.of(number) if number else None
    assistant = await loaders.assistant.load((provider, native_id))
    return Assistant.of(assistant) if assistant else None


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "Phone numbers of every selected provider as one list: providers in Provider "
            "order, each in its API's own order."
        )
    )
    async def phone_numbers(
        self,
        info: Info,
        filter: PhoneNumberFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PhoneNumber]:
        f = filter or PhoneNumberFilter()
        return await phone_numbers_connection(
            info,
            providers=f.providers,
            status=f.status,
            number_type=f.number_type,
            search=f.search,
            args=Args(first, after, last, before),
        )

    @strawberry.field(
        description="Assistants of every selected provider as one list, in Provider order."
    )
    async def assistants(
        self,
        info: Info,
        filter: AssistantFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Assistant]:
        f = filter or AssistantFilter()
        return await assistants_connection(
            info,
            providers=f.providers,
            active=f.active,
            search=f.search,
            args=Args(first, after, last, before),
        )

    @strawberry.field(description="Fetches an object given its ID.")
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return await _resolve(info, id)

    @strawberry.field(
        description=(
            "Fetches objects given their IDs, batched per provider. An id that is malformed "
            "or whose provider failed is null, with an error whose path is its index."
        )
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_NODES:
            raise UserInputError(f"at most {MAX_NODES} ids per call")
        found = await asyncio.gather(*(_resolve(info, i) for i in ids), return_exceptions=True)
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
