"""Each provider's write path, as the provider-neutral e2e tests need to know it.

One module per provider (``tests/writes/<provider>.py``, exporting ``WRITES``), found by
its ``ProviderName`` value: a provider added to the registry brings its module, and the
mutation and federation tests pick it up with no edit.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from gateway.model import PROVIDER_ORDER, ProviderName

Op = Literal["link", "unlink"]
Node = dict[str, Any]  # a PhoneNumber or Assistant as the mutation tests read it


@dataclass(frozen=True)
class Refusal:
    """The provider answers ``op`` with ``status``: the gateway reports ``code``."""

    op: Op
    status: int
    code: str


@dataclass(frozen=True)
class Writes:
    """How one provider's link and unlink reach it."""

    # The one path each write is sent to: a template of the native ids ``{number}`` and
    # ``{assistant}`` and the number's E.164 ``{e164}``.
    paths: dict[Op, str]
    # A number linked to another assistant: moved (True) or refused LINKED_ELSEWHERE.
    moves_linked: bool
    refusals: tuple[Refusal, ...]
    # The write the failure test breaks (a link path shared with a read cannot be).
    failing_op: Op = "link"
    # Upstream calls to read a short list of every number (Teli lists two kinds apart).
    number_list_calls: int = 1
    # Paths read by a method other than GET (a list asked by POST): reads, not writes.
    read_paths: frozenset[str] = frozenset()

    def path(self, op: Op, number: Node, assistant: Node) -> str:
        """Where ``op`` of ``number`` and ``assistant`` (as the tests read them) goes."""
        return self.paths[op].format(
            number=number["nativeId"], assistant=assistant["nativeId"], e164=number.get("number")
        )


def writes(provider: ProviderName) -> Writes:
    """The write data of ``provider``."""
    found: Writes = importlib.import_module(f"{__name__}.{provider.value}").WRITES
    return found


def providers_where(test: Callable[[Writes], bool]) -> list[ProviderName]:
    """The providers, in registry order, whose write data passes ``test``."""
    return [p for p in PROVIDER_ORDER if test(writes(p))]


__all__ = ["Node", "Op", "Refusal", "Writes", "providers_where", "writes"]
