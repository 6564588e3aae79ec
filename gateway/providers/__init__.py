"""The provider registry: adding a provider is one adapter module and one entry here."""

from __future__ import annotations

import importlib
from typing import Any

from ..model import ProviderName
from .base import ProviderAdapter


def adapter_class(name: ProviderName) -> Any:
    """The ``Adapter`` class of ``gateway/providers/<name>.py``."""
    return importlib.import_module(f"{__name__}.{name.value}").Adapter


__all__ = ["ProviderAdapter", "adapter_class"]
