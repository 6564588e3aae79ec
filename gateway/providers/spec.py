"""What a provider module declares: one :class:`ProviderSpec`, read by everything else.

The spec is the only place the gateway learns about a provider. Config reads its
settings model, required ids and default base URL; the runtime builds its adapter (and
auth headers) from it; demo mode and ``switchboard emulate`` serve its emulator; the
schema's ``Provider`` enum, the federation cost hints, the docker files and the
provider-neutral tests all iterate the registry of specs (``registry.py``).

The adapter is held as its class, typed by :class:`AdapterClass`, so mypy checks every
adapter's constructor, auth and capabilities against the protocol where its spec is
written: no importlib, no ``Any``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from starlette.applications import Starlette

from ..config import ProviderSettings
from ..emulators.common import EmulatorConfig
from ..upstream import UpstreamClient
from .auth import AuthScheme
from .base import AdapterInfo, ProviderAdapter
from .registry import ProviderName

S = TypeVar("S", bound=ProviderSettings)
S_contra = TypeVar("S_contra", bound=ProviderSettings, contravariant=True)


class AdapterClass(Protocol[S_contra]):
    """The adapter class of a provider: built from its settings and client, it declares
    how its calls authenticate, and what the upstream supports natively."""

    def __call__(self, settings: S_contra, client: UpstreamClient, /) -> ProviderAdapter: ...

    @property
    def auth(self) -> AuthScheme:
        """How the key travels (a missing key sends no credential: see ``auth.py``)."""
        ...

    @property
    def info(self) -> AdapterInfo: ...


@dataclass(frozen=True, slots=True)
class ProviderSpec(Generic[S]):
    """One provider, as its module declares it."""

    name: ProviderName
    # How people write it ("Retell AI"), and one line for the schema's Provider enum.
    title: str
    description: str
    adapter: AdapterClass[S]
    # Its own settings: the shared fields plus the ids it needs.
    settings: type[S]
    emulator: Callable[[EmulatorConfig], Starlette]
    # Where its documented production API lives; None: it must be configured.
    default_base_url: str | None
    # Settings fields that must be set when the provider is enabled.
    required_ids: tuple[str, ...] = ()
    # Public documentation the adapter follows.
    docs_url: str = ""
    # Demo ids: settings field -> value, matching what the emulator accepts.
    demo_ids: dict[str, str] = field(default_factory=dict)

    @property
    def info(self) -> AdapterInfo:
        """Its pagination, page-size caps and native filters."""
        return self.adapter.info

    def parse_settings(self, raw: Any) -> S:
        """``raw`` (a mapping, or settings built for another model) as this provider's
        settings; a credential already resolved is kept."""
        if isinstance(raw, self.settings):
            return raw
        if isinstance(raw, ProviderSettings):
            data = {**raw.model_dump(exclude_unset=True), "api_key": raw.api_key}
            return self.settings.model_validate(data)
        return self.settings.model_validate(raw)

    def emulator_ids(self, config: EmulatorConfig) -> dict[str, str]:
        """The ids an emulator served with ``config`` accepts, by settings field (the
        config's value where it has that field, else the declared demo value)."""
        return {k: getattr(config, k, v) for k, v in self.demo_ids.items()}

    def demo_settings(self, config: EmulatorConfig, base_url: str) -> S:
        """Settings that reach this provider's emulator (served with ``config``)."""
        ids = self.emulator_ids(config)
        return self.settings.model_validate(
            {"base_url": base_url, "api_key": config.api_key, **ids}
        )


__all__ = ["AdapterClass", "ProviderSpec"]
