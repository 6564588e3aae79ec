"""Emulators of every provider's documented API, for demo mode, tests and benchmarks."""

from __future__ import annotations

import importlib

from starlette.applications import Starlette

from ..model import ProviderName
from .common import EmulatorConfig


def create_emulator(name: ProviderName, config: EmulatorConfig | None = None) -> Starlette:
    """The Starlette app of ``gateway/emulators/<name>.py``."""
    module = importlib.import_module(f"{__name__}.{name.value}")
    app: Starlette = module.create_app(config or EmulatorConfig())
    return app


__all__ = ["EmulatorConfig", "create_emulator"]
