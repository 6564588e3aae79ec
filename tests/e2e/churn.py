"""Numbers added and removed between a client's requests, at every provider at once.

Each provider's emulator serves a subset of a larger world (``EmulatorConfig.present``);
a change restarts it serving another subset (``Gateway.restart``), so the gateway sees
numbers appear and vanish between two requests while every number keeps its id and
fields.
"""

from __future__ import annotations

import dataclasses
import random

from gateway.emulators import EmulatorConfig
from gateway.model import ProviderName

from .conftest import Gateway


class Churn:
    """The worlds' numbers (by index) served now, and the changes made so far.

    Removed numbers never come back, and added ones were never served before, so "served
    throughout" is simply "served at the start and never removed".
    """

    def __init__(self, worlds: dict[ProviderName, EmulatorConfig], rng: random.Random) -> None:
        self.worlds = worlds
        self.rng = rng
        self.present = {
            p: {i for i in range(c.numbers) if rng.random() < 0.7} for p, c in worlds.items()
        }
        self.unused = {p: set(range(c.numbers)) - self.present[p] for p, c in worlds.items()}
        self.start = {p: set(s) for p, s in self.present.items()}
        self.removed: dict[ProviderName, set[int]] = {p: set() for p in worlds}
        self.added: dict[ProviderName, set[int]] = {p: set() for p in worlds}

    def configs(self) -> dict[ProviderName, EmulatorConfig]:
        """What each emulator serves now (open_gateway's worlds at the start)."""
        return {p: self._config(p) for p in self.worlds}

    def _config(self, provider: ProviderName) -> EmulatorConfig:
        return dataclasses.replace(self.worlds[provider], present=frozenset(self.present[provider]))

    def step(self, gw: Gateway, changes: int) -> None:
        """Add or remove ``changes`` numbers, at random providers."""
        touched = set()
        for _ in range(changes):
            provider = self.rng.choice(list(self.worlds))
            present, unused = self.present[provider], self.unused[provider]
            if present and (not unused or self.rng.random() < 0.5):
                gone = self.rng.choice(sorted(present))
                present.discard(gone)
                self.removed[provider].add(gone)
            elif unused:
                new = self.rng.choice(sorted(unused))
                unused.discard(new)
                present.add(new)
                self.added[provider].add(new)
            touched.add(provider)
        for provider in touched:
            gw.restart(provider, self._config(provider))

    def throughout(self, provider: ProviderName) -> set[int]:
        """The indices served from the start until now."""
        return self.start[provider] - self.removed[provider]

    def ever(self, provider: ProviderName) -> set[int]:
        """The indices served at some time."""
        return self.start[provider] | self.added[provider]
