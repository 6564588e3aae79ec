"""Harness for partial-outage tests: the gateway over ASGI with emulators whose faults a
test switches on and off, plus the app's runtime (to read breakers and set a clock)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import ProviderName

from .conftest import Gateway, open_gateway

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String, $filter: PhoneNumberFilter) {
  phoneNumbers(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    edges { cursor node { provider number } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


class FakeClock:
    """A monotonic clock the test moves: breakers and failure memories read it."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def world_keys(worlds: dict[ProviderName, EmulatorConfig]) -> list[str]:
    """Every number of the worlds as ``PROVIDER:+E164``, in the gateway's canonical order."""
    return [
        f"{p.name}:{n.e164}"
        for p, c in worlds.items()
        for n in create_emulator(p, c).state.world.numbers
    ]


def keys(conn: dict[str, Any]) -> list[str]:
    return [f"{e['node']['provider']}:{e['node']['number']}" for e in conn["edges"]]


def fail(gw: Gateway, provider: ProviderName, **fault: Any) -> None:
    """Make ``provider`` answer 500 (not retried) until :func:`recover`."""
    gw.fault(provider, **({"status": 500} | fault))


def recover(gw: Gateway, provider: ProviderName | None = None) -> None:
    for name, app in gw.emulators.items():
        if provider is None or name is provider:
            app.state.control.faults.clear()


@contextlib.asynccontextmanager
async def outage_gateway(
    worlds: dict[ProviderName, EmulatorConfig], *, clock: FakeClock | None = None, **settings: Any
) -> AsyncIterator[Gateway]:
    """A demo gateway over ``worlds``; with ``clock``, every upstream client reads it."""
    async with open_gateway(worlds, **settings) as gw:
        if clock is not None:
            for runtime in gw.app.state.runtimes.values():
                for client in runtime.clients.values():
                    client.clock = clock
        yield gw
