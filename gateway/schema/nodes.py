"""A global id back to its object, through the request's loaders (batched per provider).

Shared by ``Query.node``/``nodes`` and federation's ``_entities``.
"""

from __future__ import annotations

from strawberry import relay

from .context import Info
from .ids import parse_global_id
from .types import Assistant, PhoneNumber


async def resolve_node(info: Info, value: str) -> relay.Node | None:
    """The object ``value`` names; ``None`` where its provider is not configured or has
    no such record. A malformed id is BAD_USER_INPUT."""
    type_name, provider, native_id = parse_global_id(value)
    if provider not in info.context.runtime.adapters:
        return None
    loaders = info.context.loaders
    if type_name == "PhoneNumber":
        number = await loaders.number.load((provider, native_id))
        return PhoneNumber.of(number) if number else None
    assistant = await loaders.assistant.load((provider, native_id))
    return Assistant.of(assistant) if assistant else None


__all__ = ["resolve_node"]
