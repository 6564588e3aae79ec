"""Docs-only emulators (EmulatorConfig.docs_only) and what the adapters make of them: an
undocumented get-one endpoint is absent, so one assistant is found through the list."""

from __future__ import annotations

import pytest

from gateway.demo import demo_provider_settings
from gateway.model import ProviderName
from gateway.providers.base import lookup_assistant

from .conftest import Harness, HarnessFactory


def auth(h: Harness) -> dict[str, str]:
    """The adapter's own headers, for raw requests to its emulator."""
    headers: dict[str, str] = type(h.adapter).auth_headers(demo_provider_settings(h.adapter.name))  # type: ignore[attr-defined]
    return headers


BUTTER, FLIREO, TELI = ProviderName.BUTTER, ProviderName.FLIREO, ProviderName.TELI
GET_ONE = {
    BUTTER: ("/api/agents/{}", 405),
    FLIREO: ("/v1/assistants/{}", 404),
    TELI: ("/v1/agents/{}", 200),  # exists, in a shape the docs do not show
}


@pytest.mark.parametrize("name", list(GET_ONE))
async def test_one_assistant_is_found_through_the_list(
    make_harness: HarnessFactory, name: ProviderName
) -> None:
    h = make_harness(name, docs_only=True, assistants=7)
    listed = await h.all_assistants()
    path, status = GET_ONE[name]
    params = {"organization_id": "org_demo"} if name is TELI else None
    answer = await h.http.get(path.format(listed[3].native_id), params=params, headers=auth(h))
    assert answer.status_code == status
    assert await lookup_assistant(h.adapter, listed[3].native_id) == listed[3]
    assert await lookup_assistant(h.adapter, listed[5].native_id) == listed[5]
    assert await lookup_assistant(h.adapter, "no-such-assistant") is None


async def test_docs_only_butter_keeps_its_own_page_size(make_harness: HarnessFactory) -> None:
    h = make_harness(BUTTER, docs_only=True, numbers=45)
    for asked in (1, 7, 100):
        answer = await h.http.get(
            "/api/phone-numbers", params={"page_size": asked}, headers=auth(h)
        )
        page = answer.json()
        assert len(page["data"]) == page["pagination"]["page_size"] == 20
    assert len(await h.all_numbers(limit=7)) == 45
