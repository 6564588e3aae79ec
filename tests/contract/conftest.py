"""Contract harness: a real adapter talking HTTP to its provider's emulator app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
from starlette.applications import Starlette

from gateway.demo import demo_provider_settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.emulators.common import World
from gateway.errors import UpstreamUnauthorized
from gateway.model import Assistant, PhoneNumber, ProviderName
from gateway.providers import adapter_class
from gateway.providers.base import (
    LinkingAdapter,
    NumberFilter,
    PageRequest,
    ProviderAdapter,
    collect,
    collect_all,
    linking,
)
from gateway.upstream import UpstreamClient


@dataclass
class Harness:
    app: Starlette
    adapter: ProviderAdapter
    client: UpstreamClient
    world: World
    http: httpx.AsyncClient  # raw client on the emulator, for asserting wire details

    async def inject(self, **fault: Any) -> None:
        await self.http.post("/__emulator__/faults", json=fault)

    async def all_numbers(
        self, flt: NumberFilter | None = None, limit: int | None = None
    ) -> list[PhoneNumber]:
        """Every phone number through the adapter, page by page (``limit``: page size)."""
        info = self.adapter.info
        return await collect_all(
            lambda req: self.adapter.list_phone_numbers(flt or NumberFilter(), req),
            info.pagination,
            limit or info.max_page_size,
        )

    async def numbers_failure(self) -> Exception:
        """The error reading every number gives: raised, or (a provider whose list is made
        of several endpoints) the partial error of the part that failed."""
        info = self.adapter.info
        try:
            listed = await collect(
                lambda req: self.adapter.list_phone_numbers(NumberFilter(), req),
                info.pagination,
                info.max_page_size,
            )
        except Exception as exc:
            return exc
        assert listed.partial, "no error: every number was read"
        return listed.partial[0]

    async def all_assistants(self, limit: int | None = None) -> list[Assistant]:
        """Every assistant through the adapter, page by page (``limit``: page size)."""
        info = self.adapter.info
        return await collect_all(
            self.adapter.list_assistants,
            info.assistant_pagination,
            limit or info.assistant_max_page_size,
        )

    async def number(
        self, key: str, *, by: Literal["native_id", "number"] = "native_id"
    ) -> PhoneNumber:
        """The listed number whose ``by`` field (native id, or E.164 ``number``) is ``key``."""
        return next(n for n in await self.all_numbers() if getattr(n, by) == key)

    async def assistant(self, native_id: str) -> Assistant:
        found = await self.adapter.get_assistant(native_id)
        assert found is not None
        return found

    def linking(self) -> LinkingAdapter:
        can = linking(self.adapter)
        assert can is not None
        return can

    async def assert_reads_unauthorized(self, api_key: str, assistant_id: str) -> None:
        """Every adapter read fails as a 401 of this provider, and never echoes ``api_key``."""
        calls = [
            self.adapter.list_phone_numbers(NumberFilter(), PageRequest(limit=10)),
            self.adapter.list_assistants(PageRequest(limit=10)),
            self.adapter.get_assistant(assistant_id),
        ]
        for call in calls:
            with pytest.raises(UpstreamUnauthorized) as err:
                await call
            assert err.value.status == 401
            assert err.value.provider is self.adapter.name
            assert api_key not in str(err.value)


HarnessFactory = Callable[..., Harness]


@pytest.fixture
async def make_harness() -> AsyncIterator[HarnessFactory]:
    opened: list[Any] = []

    def make(name: ProviderName, *, api_key: str | None = None, **world: Any) -> Harness:
        config = EmulatorConfig(**world)
        app = create_emulator(name, config)
        settings = demo_provider_settings(name, config)
        if api_key is not None:
            settings = settings.model_copy(update={"api_key": api_key})
        cls = adapter_class(name)
        transport = httpx.ASGITransport(app=app)
        client = UpstreamClient(name, settings, cls.auth.headers(settings), transport=transport)
        raw = httpx.AsyncClient(transport=transport, base_url=settings.base_url or "")
        opened.extend([client, raw])
        return Harness(app, cls(settings, client), client, app.state.world, raw)

    yield make
    for item in opened:
        await item.aclose()
