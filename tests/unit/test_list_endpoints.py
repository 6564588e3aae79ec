"""List endpoints: keys that do not match the models fail when declared; cursor pages
are followed until ``has_more`` ends them, and refused where they cannot be; numbered
pages serve an offset between them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest

from gateway.errors import UpstreamBadResponse
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


class _Paged(kit.UpstreamModel):
    items: list[_Item] | None = None
    next_key: str | None = None
    has_more: bool | None = None


CURSORED = kit.ListEndpoint(
    ProviderName.RETELL,
    "/x",
    _Item,
    kit.Cursor(100, "key", next="next_key", has_more="has_more"),
    _Paged,
    "items",
)


class _Answering:
    """A client whose GETs answer ``bodies`` in turn (the last one again after them)."""

    def __init__(self, *bodies: bytes) -> None:
        self.bodies = list(bodies)
        self.asked: list[dict[str, Any] | None] = []

    async def get_json(
        self, _path: str, params: dict[str, Any] | None, *, decode: Callable[[bytes], Any]
    ) -> Any:
        self.asked.append(params)
        return decode(self.bodies.pop(0) if len(self.bodies) > 1 else self.bodies[0])


async def _read(body: bytes, cursor: str | None = None) -> kit.Page[str]:
    client = cast("kit.UpstreamClient", _Answering(body))
    return await CURSORED.read(client, kit.PageRequest(limit=500, cursor=cursor), lambda i: i.id)


async def test_a_cursor_page_names_the_next_one_until_has_more_ends() -> None:
    client = _Answering(b'{"items": [{"id": "a"}], "next_key": "k2", "has_more": true}')
    page = await CURSORED.read(
        cast("kit.UpstreamClient", client), kit.PageRequest(limit=500, cursor="k1"), lambda i: i.id
    )
    assert (page.items, page.next_cursor) == (["a"], "k2")
    assert client.asked == [{"limit": 100, "key": "k1"}]
    assert (await _read(b'{"items": [], "next_key": "k3"}')).next_cursor is None


@pytest.mark.parametrize(
    ("body", "cursor", "says"),
    [
        (b'{"next_key": "k"}', None, "neither items nor has_more"),
        (b'{"items": [], "has_more": true}', None, "without a new next_key"),
        (b'{"items": [], "has_more": true, "next_key": "k1"}', "k1", "without a new next_key"),
    ],
)
async def test_a_cursor_page_that_cannot_be_followed_is_refused(
    body: bytes, cursor: str | None, says: str
) -> None:
    with pytest.raises(UpstreamBadResponse, match=says):
        await _read(body, cursor)


class _Numbered(kit.UpstreamModel):
    results: list[_Item]
    total: int


NUMBERED = kit.ListEndpoint(
    ProviderName.VAPI, "/x", _Item, kit.PageNumber(2), _Numbered, "results", "total"
)


async def test_an_offset_between_numbered_pages_is_read_from_both() -> None:
    client = _Answering(
        b'{"results": [{"id": "a"}, {"id": "b"}], "total": 3}',
        b'{"results": [{"id": "c"}], "total": 3}',
    )
    page = await NUMBERED.read(
        cast("kit.UpstreamClient", client), kit.PageRequest(limit=5, offset=1), lambda i: i.id
    )
    assert (page.items, page.total) == (["b", "c"], 3)
    assert client.asked == [{"page": 1, "limit": 2}, {"page": 2, "limit": 2}]
