"""Demo mode: every provider backed by its in-process emulator, no credentials needed."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from .config import ProviderSettings
from .emulators import EmulatorConfig
from .model import PROVIDER_ORDER, ProviderName
from .providers import get_spec

DEMO_EMULATOR = EmulatorConfig()


def demo_provider_settings(
    name: ProviderName, config: EmulatorConfig = DEMO_EMULATOR
) -> ProviderSettings:
    """``name``'s own settings, reaching its emulator with the ids it serves."""
    settings: ProviderSettings = get_spec(name).demo_settings(
        config, f"http://{name.value}.emulator"
    )
    return settings


def demo_emulators(config: EmulatorConfig = DEMO_EMULATOR) -> dict[ProviderName, Starlette]:
    """Every provider's emulator app (their fault controls drive the demo failure switch)."""
    return {name: get_spec(name).emulator(config) for name in PROVIDER_ORDER}


def demo_transports(
    config: EmulatorConfig = DEMO_EMULATOR,
) -> dict[ProviderName, httpx.AsyncBaseTransport]:
    """One in-process transport per provider, each serving that provider's emulator."""
    return {name: httpx.ASGITransport(app=app) for name, app in demo_emulators(config).items()}
