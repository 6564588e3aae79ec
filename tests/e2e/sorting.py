"""The documented order of a sorted list, written out for the tests from the schema's
words (not the gateway's code): the requested keys, nulls last in both directions, then
provider (Provider order) and native id, ascending."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from gateway.model import PROVIDER_ORDER

NODE = "id provider nativeId number displayName status createdAt updatedAt"
RANKS = {p.name: i for i, p in enumerate(PROVIDER_ORDER)}
STATUS = {"AVAILABLE": 0, "ASSIGNED": 1}


def value(node: dict[str, Any], field: str) -> Any:
    """What a number is compared by under ``field``; None when not reported."""
    if field in ("CREATED_AT", "UPDATED_AT"):
        raw = node["createdAt" if field == "CREATED_AT" else "updatedAt"]
        return None if raw is None else datetime.fromisoformat(raw)
    if field == "NUMBER":
        return node["number"]
    if field in ("DISPLAY_NAME", "NAME"):
        raw = node["displayName" if field == "DISPLAY_NAME" else "name"]
        return raw.casefold() if raw else None
    if field == "PROVIDER":
        return RANKS[node["provider"]]
    if field == "STATUS":
        return STATUS[node["status"]]
    raise KeyError(field)


def in_order(nodes: list[dict[str, Any]], order: list[dict[str, str]]) -> list[dict[str, Any]]:
    """``nodes`` sorted as ``orderBy: order`` documents."""

    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for key in order:
            x, y = value(a, key["field"]), value(b, key["field"])
            if x == y:
                continue
            if x is None or y is None:
                return 1 if x is None else -1
            ascending = key.get("direction", "ASC") == "ASC"
            return (-1 if x < y else 1) * (1 if ascending else -1)
        ta = (RANKS[a["provider"]], a["nativeId"])
        tb = (RANKS[b["provider"]], b["nativeId"])
        return (ta > tb) - (ta < tb)

    return sorted(nodes, key=functools.cmp_to_key(compare))
