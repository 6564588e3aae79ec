"""Emulators of every provider's documented API, for demo mode, tests and benchmarks."""

from __future__ import annotations

from starlette.applications import Starlette

from ..model import ProviderName
from .common import EmulatorConfig


def create_emulator(name: ProviderName, config: EmulatorConfig | None = None) -> Starlette:
    """The Starlette app of ``name``'s emulator (its spec names it)."""
    from ..providers import get_spec

    return get_spec(name).emulator(config or EmulatorConfig())


__all__ = ["EmulatorConfig", "create_emulator"]
