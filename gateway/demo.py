"""Demo mode: every provider backed by its in-process emulator, no credentials needed."""

from __future__ import annotations

import httpx

from .config import ProviderSettings
from .emulators import EmulatorConfig, create_emulator
from .model import PROVIDER_ORDER, ProviderName

DEMO_EMULATOR = EmulatorConfig()


def demo_provider_settings(
    name: ProviderName, config: EmulatorConfig = DEMO_EMULATOR
) -> ProviderSettings:
    return ProviderSettings(
        base_url=f"http://{name.value}.emulator",
        organization_id=config.organization_id,
        workspace=config.workspace,
        user_id=config.user_id,
        api_key=config.api_key,
    )


def demo_transports(
    config: EmulatorConfig = DEMO_EMULATOR,
) -> dict[ProviderName, httpx.AsyncBaseTransport]:
    """One in-process transport per provider, each serving that provider's emulator."""
    return {name: httpx.ASGITransport(app=create_emulator(name, config)) for name in PROVIDER_ORDER}
