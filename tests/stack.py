"""A real deployment on loopback: ``switchboard emulate`` processes for the upstreams and
``switchboard serve --config`` with tenants and gateway API keys in front of them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.emulators.common import CONTROL_PREFIX, EmulatorConfig
from gateway.model import PROVIDER_ORDER
from gateway.providers import get_spec
from gateway.security.tenants import hash_key
from tests.processes import Served, served


@dataclass(frozen=True)
class Tenant:
    """A tenant's gateway keys (key -> read-only?) and the providers it uses."""

    keys: Mapping[str, bool]
    providers: Sequence[str]


@dataclass
class Stack:
    emulators: dict[str, Served]
    upstream_keys: dict[str, str]
    config_dir: Path
    gateways: list[Served] = field(default_factory=list)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def write_config(
    path: Path,
    stack: Stack,
    tenants: Mapping[str, Tenant],
    security: Mapping[str, Any] | None = None,
) -> Path:
    """The settings file of a gateway over ``stack``'s emulators."""
    extra = {p.value: get_spec(p).emulator_ids(EmulatorConfig()) for p in PROVIDER_ORDER}
    lines = []
    if security:
        lines += ["[security]", *(f"{k} = {_toml(v)}" for k, v in security.items()), ""]
    for name, tenant in tenants.items():
        keys = ", ".join(
            f'{{ sha256 = "{hash_key(key)}", read_only = {_toml(ro)} }}'
            for key, ro in tenant.keys.items()
        )
        lines += [f"[tenants.{name}]", f"keys = [{keys}]", ""]
        for provider in tenant.providers:
            lines += [
                f"[tenants.{name}.providers.{provider}]",
                f'base_url = "{stack.emulators[provider].url}"',
                f'api_key_env = "STACK_{provider.upper()}_KEY"',
                *(f"{k} = {_toml(v)}" for k, v in extra.get(provider, {}).items()),
                "",
            ]
    path.write_text("\n".join(lines))
    return path


@contextlib.contextmanager
def emulator_stack(tmp: Path, providers: Sequence[str], numbers: int = 12) -> Iterator[Stack]:
    """One ``switchboard emulate`` process per provider, each with its own upstream key."""
    with contextlib.ExitStack() as exits:
        keys = {name: f"upstream-{name}-stack-key" for name in providers}
        emulators = {
            name: exits.enter_context(
                served(
                    "emulate",
                    name,
                    "--api-key",
                    keys[name],
                    "--numbers",
                    str(numbers),
                    ready=f"{CONTROL_PREFIX}/stats",
                    log_path=tmp / f"{name}.log",
                )
            )
            for name in providers
        }
        yield Stack(emulators, keys, tmp)


@contextlib.contextmanager
def gateway(
    stack: Stack,
    tenants: Mapping[str, Tenant],
    security: Mapping[str, Any] | None = None,
    name: str = "gateway",
) -> Iterator[Served]:
    """``switchboard serve`` over the stack with these tenants and security settings."""
    config = write_config(stack.config_dir / f"{name}.toml", stack, tenants, security)
    env = {f"STACK_{p.upper()}_KEY": key for p, key in stack.upstream_keys.items()}
    with served(
        "serve", "--config", str(config), env=env, log_path=stack.config_dir / f"{name}.log"
    ) as server:
        yield server
