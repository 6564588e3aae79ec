"""List endpoint declarations: keys that do not match the models fail when declared."""

from __future__ import annotations

import pytest

from gateway.model import ProviderName
from gateway.providers import kit


class _Item(kit.UpstreamModel):
    id: str


class _Meta(kit.UpstreamModel):
    total: int


class _Body(kit.UpstreamModel):
    data: list[_Item]
    meta: _Meta | None = None


def test_a_keyed_body_declares_its_items_and_total() -> None:
    kit.ListEndpoint(ProviderName.FLIREO, "/x", _Item, items="data", body=_Body, total="meta.total")


@pytest.mark.parametrize(
    ("items", "body", "total"),
    [
        ("data", None, None),  # a key without the body it is in
        (None, _Body, None),  # a body without the key of its items
        ("meta", _Body, None),  # not the item list
        ("data", _Body, "meta"),  # not an int
    ],
)
def test_keys_that_do_not_match_the_models_are_refused(
    items: str | None, body: type[kit.UpstreamModel] | None, total: str | None
) -> None:
    with pytest.raises(TypeError):
        kit.ListEndpoint(ProviderName.FLIREO, "/x", _Item, items=items, body=body, total=total)


@pytest.mark.parametrize("key", ["items", "data.id", "meta.count"])
def test_a_key_the_body_does_not_have_is_refused(key: str) -> None:
    with pytest.raises(TypeError, match="has no"):
        kit.ListEndpoint(ProviderName.FLIREO, "/x", _Item, items=key, body=_Body)
