"""Provider adapters: ``registry.py`` lists them, one module each declares its ``SPEC``.

Kept free of imports at package level: the model imports ``ProviderName`` from the
registry, before any adapter (or the config they need) can load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .registry import PROVIDER_ORDER, ProviderName, get_spec, specs

if TYPE_CHECKING:
    from .spec import AdapterClass


def adapter_class(name: ProviderName) -> AdapterClass[Any]:
    """The adapter class of ``name`` (from its spec)."""
    return get_spec(name).adapter


__all__ = ["PROVIDER_ORDER", "ProviderName", "adapter_class", "get_spec", "specs"]
