"""Global ids: ``base64("<Type>:<provider>:<native id>")``, made and read in one place.

Pure functions over strings, importing no schema type, so every schema module can use
them without the import circle types -> federation -> query -> listing -> types.
"""

from __future__ import annotations

from base64 import b64encode
from typing import Final

from strawberry import relay

from ..errors import UserInputError
from ..model import ProviderName

NODE_TYPES: Final = frozenset({"PhoneNumber", "Assistant"})


# "<provider>:" per provider: a page of 100 numbers builds 150 ids, and an enum's
# .value is a descriptor call each time.
_PREFIXES: Final = {p: f"{p.value}:" for p in ProviderName}


def node_id(provider: ProviderName, native_id: str) -> str:
    """The part of a global ID after the type name: ``<provider>:<native id>``."""
    return _PREFIXES[provider] + native_id


def global_id(type_name: str, provider: ProviderName, native_id: str) -> str:
    """The opaque id clients see (what Strawberry's ``relay.Node.id`` renders)."""
    return keyed_id(type_name, node_id(provider, native_id))


def keyed_id(type_name: str, key: str) -> str:
    """:func:`global_id` from the node's ``node_id`` (``key``), for a node that has it:
    what Strawberry's ``to_base64`` makes of a type name, without its type dispatch."""
    return b64encode(f"{type_name}:{key}".encode()).decode()


def parse_global_id(value: str) -> tuple[str, ProviderName, str]:
    """``base64("<Type>:<provider>:<native id>")`` -> its three parts, or BAD_USER_INPUT."""
    try:
        gid = relay.GlobalID.from_id(value)
        provider_name, _, native_id = gid.node_id.partition(":")
        provider = ProviderName(provider_name)
    except (ValueError, TypeError):
        raise UserInputError(f"not a valid Switchboard id: {value[:64]!r}") from None
    if gid.type_name not in NODE_TYPES or not native_id:
        raise UserInputError(f"not a valid Switchboard id: {value[:64]!r}")
    return gid.type_name, provider, native_id


__all__ = ["NODE_TYPES", "global_id", "keyed_id", "node_id", "parse_global_id"]
