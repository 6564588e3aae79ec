"""Two tenants over the same upstream hosts, told apart only by their credentials."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.config import Settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import PROVIDER_ORDER, ProviderName
from gateway.providers import get_spec
from gateway.security.tenants import hash_key
from tests.processes import CLIENT_HEADERS

GATEWAY_KEYS = {"acme": "gw-key-acme-0001", "globex": "gw-key-globex-0002"}
READ_ONLY_KEY = "gw-key-acme-readonly"
UPSTREAM_KEYS = {"acme": "upstream-acme-secret", "globex": "upstream-globex-secret"}
# Seeds whose demo worlds share no number (test_each_tenant_sees_only_its_own_numbers).
SEEDS = {"acme": 101, "globex": 208}


class ByCredentialTransport(httpx.AsyncBaseTransport):
    """One upstream host serving two accounts: the request's credential picks the account."""

    def __init__(self, accounts: dict[str, httpx.AsyncBaseTransport]) -> None:
        self.accounts = accounts

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        presented = " ".join(request.headers.values())
        for key, transport in self.accounts.items():
            if key in presented:
                return await transport.handle_async_request(request)
        return httpx.Response(401, json={"error": "unknown account"})


def tenant_providers(tenant: str, only: list[str] | None = None) -> dict[str, Any]:
    config = EmulatorConfig(api_key=UPSTREAM_KEYS[tenant], seed=SEEDS[tenant])
    return {
        name.value: {
            "base_url": f"http://{name.value}.emulator",
            "api_key_env": f"TEST_{tenant.upper()}_KEY",
            **get_spec(name).emulator_ids(config),
        }
        for name in PROVIDER_ORDER
        if only is None or name.value in only
    }


@contextlib.asynccontextmanager
async def tenant_gateway(
    only: dict[str, list[str]] | None = None,
    root_path: str = "",
    **security: Any,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, dict[ProviderName, Starlette]]]]:
    emulators = {
        tenant: {
            name: create_emulator(
                name, EmulatorConfig(api_key=key, seed=SEEDS[tenant], numbers=12, assistants=3)
            )
            for name in PROVIDER_ORDER
        }
        for tenant, key in UPSTREAM_KEYS.items()
    }
    transports: dict[ProviderName, httpx.AsyncBaseTransport] = {
        name: ByCredentialTransport(
            {UPSTREAM_KEYS[t]: httpx.ASGITransport(app=emulators[t][name]) for t in UPSTREAM_KEYS}
        )
        for name in PROVIDER_ORDER
    }
    tenants = {
        tenant: {
            "keys": [{"sha256": hash_key(GATEWAY_KEYS[tenant])}]
            + (
                [{"sha256": hash_key(READ_ONLY_KEY), "read_only": True}] if tenant == "acme" else []
            ),
            "providers": tenant_providers(tenant, (only or {}).get(tenant)),
        }
        for tenant in GATEWAY_KEYS
    }
    raw: dict[str, Any] = {"tenants": tenants, "security": security}  # as a config file has them
    settings = Settings(**raw)
    app = create_app(settings, transports=transports)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, root_path=root_path),
            base_url="http://gateway",
            headers=CLIENT_HEADERS,
        ) as client,
    ):
        yield client, emulators


@pytest.fixture(autouse=True)
def _upstream_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for tenant, key in UPSTREAM_KEYS.items():
        monkeypatch.setenv(f"TEST_{tenant.upper()}_KEY", key)
