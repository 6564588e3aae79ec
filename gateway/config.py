"""Settings: a TOML or YAML file, overridden by ``SWITCHBOARD_*`` environment variables.

Credentials are never written in the file: a provider names the environment variable
that holds its key (``api_key_env``), and the key is read at start-up. A bad config is a
:class:`ConfigError` whose message names the offending field.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .model import ProviderName
from .resilience.settings import ResilienceSettings
from .security.tenants import TenantKey


class ConfigError(Exception):
    """Raised at start-up; the message names the field and is safe to print."""


class ProviderSettings(BaseModel):
    """What every provider is configured with; a provider's own settings model (its
    ``SPEC.settings``) adds the ids it needs, and an id it does not use is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    base_url: str | None = None
    # Name of the environment variable holding the API key (never the key itself).
    api_key_env: str | None = None
    timeout: float = Field(default=10.0, gt=0)
    connect_timeout: float = Field(default=3.0, gt=0)
    # Resolved from ``api_key_env`` by Settings; excluded from dumps and reprs.
    api_key: str | None = Field(default=None, exclude=True, repr=False)
    # Overrides single fields of Settings.resilience for this provider (docs/resilience.md).
    resilience: ResilienceSettings | None = None

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value


def _typed_providers(data: Any) -> Any:
    """``data["providers"]``, each entry as its provider's own settings model
    (``SPEC.settings``), so an id the provider does not use is refused by name."""
    if not isinstance(data, dict) or not isinstance(data.get("providers"), dict):
        return data  # pydantic reports what is wrong
    from .providers import get_spec

    parsed: dict[ProviderName, Any] = {}
    for key, value in data["providers"].items():
        try:
            name = ProviderName(key)
        except ValueError:
            known = ", ".join(p.value for p in ProviderName)
            raise ValueError(f"providers.{key}: not a provider (one of {known})") from None
        try:
            parsed[name] = get_spec(name).parse_settings(value)
        except ValidationError as exc:
            raise ValueError(_describe(exc, f"providers.{name.value}.", "")) from None
    return {**data, "providers": parsed}


def _resolve_providers(
    where: str, providers: dict[ProviderName, ProviderSettings]
) -> dict[ProviderName, ProviderSettings]:
    """Fill default base URLs, check required ids and read each key from its variable."""
    from .providers import get_spec

    resolved: dict[ProviderName, ProviderSettings] = {}
    for name, prov in providers.items():
        if not prov.enabled:
            resolved[name] = prov
            continue
        at = f"{where}.{name.value}"
        provider = get_spec(name)
        base_url = prov.base_url or provider.default_base_url
        if base_url is None:
            raise ValueError(f"{at}.base_url is required for {name.value}")
        for id_field in provider.required_ids:
            if not getattr(prov, id_field):
                raise ValueError(f"{at}.{id_field} is required for {name.value}")
        if not prov.api_key_env:
            raise ValueError(f"{at}.api_key_env must name the variable holding the key")
        key = os.environ.get(prov.api_key_env)
        if not key:
            raise ValueError(
                f"{at}.api_key_env: environment variable {prov.api_key_env} is not set"
            )
        resolved[name] = prov.model_copy(update={"base_url": base_url, "api_key": key})
    return resolved


class TenantSettings(BaseModel):
    """One tenant: the gateway keys that act for it and its own provider credentials."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keys: list[TenantKey] = Field(min_length=1)
    providers: dict[ProviderName, ProviderSettings] = Field(default_factory=dict)

    _providers = model_validator(mode="before")(_typed_providers)

    def enabled_providers(self) -> dict[ProviderName, ProviderSettings]:
        return {n: p for n, p in sorted(self.providers.items()) if p.enabled}


class SecuritySettings(BaseModel):
    """Request limits and HTTP hygiene (README, Security)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Without tenants the gateway refuses to start (except in demo mode) unless this is set.
    allow_unauthenticated: bool = False
    max_body_bytes: int = Field(default=100_000, ge=1_000)
    max_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=0)
    max_tokens: int = Field(default=3000, ge=10)
    max_directives: int = Field(default=30, ge=0)
    max_root_fields: int = Field(default=10, ge=1)
    max_cost: int = Field(default=25_000, ge=1)
    introspection: bool = True
    field_suggestions: bool = True
    # Browser origins allowed to call /graphql; none by default.
    cors_origins: list[str] = Field(default_factory=list)
    persisted_queries: bool = True
    persisted_queries_capacity: int = Field(default=1000, ge=1)
    # With cache_backend = "redis" the store is Redis (shared by replicas), each query
    # kept this long after it was last registered; capacity applies to the memory store.
    persisted_queries_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    # A .graphql file of the only operations allowed to run (its operations, one each).
    safelist_file: str | None = None
    # A JSON array of operations in one POST (Apollo's BatchHttpLink, graphql-request's
    # batchRequests): off by default; each operation is authorized and limited on its own.
    batching: bool = False
    max_batch_operations: int = Field(default=10, ge=1, le=100)
    # `_service { sdl }` (the federation subgraph SDL) is refused while introspection is
    # off, unless this is set (a router that composes from the live subgraph needs it).
    federation_sdl_public: bool = False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SWITCHBOARD_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    demo: bool = False
    # Demo mode only: providers whose emulator starts slow, failing or rate-limited, each
    # "PROVIDER[:MODE]" (gateway/demo_faults.py); refused outside demo mode.
    demo_fail: list[str] = Field(default_factory=list)
    max_page_size: int = Field(default=100, ge=1, le=10_000)
    # Upstream page size the gateway asks for (capped by each provider's maximum).
    upstream_page_size: int = Field(default=100, ge=1, le=1000)
    # Secret that signs cursors; set the same value on every replica. Random if unset.
    cursor_secret: str | None = Field(default=None, repr=False)
    cursor_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    # How long the length of an upstream list, once read, steers which providers a page
    # asks and answers "is there more" (gateway/list_lengths.py); a hint checked by every
    # read, so it may outlive the page cache. After that it stays a guess for planning
    # only. 0: nothing is remembered, and each page guesses every list holds one upstream
    # page, asking the rest at once where a guess fails.
    list_length_seconds: float = Field(default=60.0, ge=0)
    # A sorted list (orderBy) reads each provider's whole list; one with more items than
    # this is left out with SORT_LIMIT_EXCEEDED instead of reading on (README, Order).
    sorted_max_items_per_provider: int = Field(default=50_000, ge=1)
    # Sorted parts kept between the pages of a sorted traversal, for the page cache's TTL
    # (gateway/sorted_snapshots.py): at most this many items in all. 0: every page sorts.
    sorted_snapshot_max_items: int = Field(default=200_000, ge=0)
    # Serve an Apollo Federation v2 subgraph (_entities, _service); false: the plain schema.
    federation: bool = True
    # OpenTelemetry spans for requests, GraphQL phases and upstream calls; needs the
    # `tracing` extra and exports through the globally configured tracer provider.
    tracing: bool = False
    providers: dict[ProviderName, ProviderSettings] = Field(default_factory=dict)
    # Gateway API keys -> tenants, each with its own providers (README, Security).
    tenants: dict[str, TenantSettings] = Field(default_factory=dict)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    # Whole responses of repeated queries, for the page cache's TTL and cleared by the
    # same writes (gateway/response_cache.py). None: on in demo mode, off otherwise.
    response_cache: bool | None = None
    # A query whose last two executions asked the same upstream pages has them asked as
    # soon as it is admitted, before it executes (gateway/warm_start.py); false: pages are
    # asked when the resolvers reach them.
    warm_start: bool = True
    # `switchboard serve` freezes the start-up heap and collects young objects less often
    # (gateway/collector.py); false keeps CPython's defaults.
    gc_tuning: bool = True
    # Upstream calls of one GraphQL request never outlive this (docs/resilience.md).
    request_deadline_seconds: float = Field(default=10.0, gt=0)
    # Every provider's timeouts, retries, breaker, cap and cache TTL, unless it overrides.
    resilience: ResilienceSettings = Field(default_factory=ResilienceSettings)
    # The in-memory page cache shared by all providers: size bounds.
    cache_max_entries: int = Field(default=1024, ge=0)
    cache_max_bytes: int = Field(default=32 * 1024 * 1024, ge=0)
    # Where the page cache and the persisted-query store live: "memory" (each process its
    # own) or "redis" (shared by every replica; docs/operations.md, Scale-out).
    cache_backend: Literal["memory", "redis"] = "memory"
    # redis://[[user]:password@]host:port/db (rediss:// for TLS, unix:///path.sock). A URL
    # with a password belongs in the environment: SWITCHBOARD_REDIS_URL, or the variable
    # named by redis_url_env. Never logged.
    redis_url: str | None = Field(default=None, repr=False)
    redis_url_env: str | None = None
    # Prepended to every key, so several deployments can share one Redis database.
    redis_prefix: str = Field(default="switchboard:", min_length=1)
    # Connect and command timeout; past it the call is a cache miss.
    redis_timeout_seconds: float = Field(default=0.25, gt=0)
    # Connections per process (a blocking pool) and how long a command waits for a free
    # one; past it the command is a miss, not an outage (docs/operations.md, Scale-out).
    redis_max_connections: int = Field(default=50, ge=1, le=10_000)
    redis_pool_timeout_seconds: float = Field(default=0.1, gt=0)
    # /readyz is unauthenticated: it names tenants (per-tenant states) only if this is set.
    readyz_tenant_names: bool = False

    _providers = model_validator(mode="before")(_typed_providers)

    @classmethod
    def settings_customise_sources(
        cls,
        # pydantic-settings passes every source by keyword: the names are its, used or not.
        settings_cls: type[BaseSettings],  # noqa: ARG003
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment beats the file, which arrives as init kwargs.
        return (env_settings, init_settings)

    @model_validator(mode="after")
    def _resolve(self) -> Settings:
        self._resolve_redis()
        if self.demo_fail and not self.demo:
            raise ValueError("demo_fail: the failure switch exists only in demo mode (--demo)")
        from .demo_faults import parse_switch  # it reads the provider registry

        for value in self.demo_fail:
            try:
                parse_switch(value)
            except ValueError as exc:
                raise ValueError(f"demo_fail: {exc}") from None
        if self.demo:
            return self
        object.__setattr__(self, "providers", _resolve_providers("providers", self.providers))
        tenants = {
            name: tenant.model_copy(
                update={
                    "providers": _resolve_providers(f"tenants.{name}.providers", tenant.providers)
                }
            )
            for name, tenant in self.tenants.items()
        }
        object.__setattr__(self, "tenants", tenants)
        if not self.tenants and not self.security.allow_unauthenticated:
            raise ValueError(
                "tenants: no gateway API keys are configured; add [tenants.<name>] with keys, "
                "or set security.allow_unauthenticated = true to serve without authentication"
            )
        if self.tenants and self.providers:
            raise ValueError(
                "providers: with tenants configured, providers belong to each tenant "
                "(tenants.<name>.providers)"
            )
        return self

    def _resolve_redis(self) -> None:
        """Read ``redis_url`` from ``redis_url_env`` and check it (naming no part of it)."""
        url = self.redis_url
        if self.redis_url_env:
            url = os.environ.get(self.redis_url_env)
            if not url:
                raise ValueError(
                    f"redis_url_env: environment variable {self.redis_url_env} is not set"
                )
            object.__setattr__(self, "redis_url", url)
        if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("redis_url: must start with redis://, rediss:// or unix://")
        if self.cache_backend == "redis" and not url:
            raise ValueError(
                'redis_url: cache_backend = "redis" needs redis_url (or redis_url_env)'
            )

    def enabled_providers(self) -> dict[ProviderName, ProviderSettings]:
        return {n: p for n, p in sorted(self.providers.items()) if p.enabled}

    def resilience_for(
        self, name: ProviderName, provider: ProviderSettings | None = None
    ) -> ResilienceSettings:
        """The gateway-wide resilience settings with ``name``'s overrides applied."""
        policy = self.resilience
        for source in (self.providers.get(name), provider):
            if source is not None:
                policy = policy.merged(source.resilience)
        return policy


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        if path.suffix in {".yaml", ".yml"}:
            data = yaml.safe_load(text) or {}
        else:
            data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.')}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a table/mapping")
    return data


def _describe(exc: ValidationError, prefix: str = "", head: str = "invalid configuration: ") -> str:
    lines = []
    for err in exc.errors():
        loc = prefix + ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{loc}: {msg}" if loc else msg)
    return head + "; ".join(lines)


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read settings from ``path`` (TOML or YAML) and the environment."""
    data: dict[str, Any] = _read_file(Path(path)) if path else {}
    data.update(overrides)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
