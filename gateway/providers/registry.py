"""The provider registry: every supported provider, one line each.

Adding a provider is one provider module (adapter + settings + ``SPEC``), one emulator
module, and its line here: a ``ProviderName`` member and its spec in :func:`specs`.
Everything that lists providers (config, CLI, demo mode, schema, federation weights,
docker files, the provider-neutral tests) reads this module.

``ProviderName`` is importable without loading any adapter (the model needs it); the
specs are loaded on first use, by static imports that mypy checks.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .spec import ProviderSpec


class ProviderName(enum.StrEnum):
    """Supported platforms. Declaration order is the documented cross-provider list order."""

    BURKI = "burki"
    BUTTER = "butter"
    FLIREO = "flireo"
    SYNTHFLOW = "synthflow"
    TELI = "teli"
    VAPI = "vapi"
    RETELL = "retell"


PROVIDER_ORDER: tuple[ProviderName, ...] = tuple(ProviderName)


@cache
def specs() -> Mapping[ProviderName, ProviderSpec[Any]]:
    """Every provider's spec, in ``ProviderName`` order."""
    from . import burki, butter, flireo, retell, synthflow, teli, vapi

    declared = (
        burki.SPEC,
        butter.SPEC,
        flireo.SPEC,
        synthflow.SPEC,
        teli.SPEC,
        vapi.SPEC,
        retell.SPEC,
    )
    table = {s.name: s for s in declared}
    missing = [n.value for n in ProviderName if n not in table]
    if missing or len(table) != len(declared):
        raise RuntimeError(f"provider registry: specs missing or repeated for {missing}")
    return {name: table[name] for name in ProviderName}


def get_spec(name: ProviderName) -> ProviderSpec[Any]:
    """The spec of ``name``."""
    return specs()[name]


__all__ = ["PROVIDER_ORDER", "ProviderName", "get_spec", "specs"]
