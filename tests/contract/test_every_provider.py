"""Contract tests every adapter must pass against its emulator: the same world in, the
same normalized records out. A drift between an adapter and its emulator fails here."""

from __future__ import annotations

import pytest

from gateway.demo import demo_provider_settings
from gateway.errors import UpstreamBadResponse, UpstreamHTTPError, UpstreamUnauthorized
from gateway.model import PROVIDER_ORDER, NumberStatus, ProviderName
from gateway.providers import adapter_class
from gateway.providers.base import NumberFilter

from .conftest import HarnessFactory

pytestmark = pytest.mark.parametrize("name", PROVIDER_ORDER, ids=[p.value for p in PROVIDER_ORDER])


async def test_numbers_match_the_world(make_harness: HarnessFactory, name: ProviderName) -> None:
    h = make_harness(name, numbers=37, assistants=6)
    numbers = await h.all_numbers(limit=10)
    assert sorted(n.number for n in numbers) == sorted(w.e164 for w in h.world.numbers)
    assert len({n.native_id for n in numbers}) == len(numbers)
    by_e164 = {w.e164: w for w in h.world.numbers}
    for n in numbers:
        assert n.provider is name
        expected = (
            NumberStatus.ASSIGNED
            if by_e164[n.number].assistant is not None
            else NumberStatus.AVAILABLE
        )
        assert n.status is expected, n
        if n.assistant is not None:
            assert n.assistant.provider is name


async def test_status_filter_matches_world(
    make_harness: HarnessFactory, name: ProviderName
) -> None:
    h = make_harness(name, numbers=30, assistants=4)
    for status in NumberStatus:
        numbers = await h.all_numbers(NumberFilter(status=status))
        if "status" in h.adapter.info.native_number_filters:
            assert {n.status for n in numbers} <= {status}
            want = [
                w
                for w in h.world.numbers
                if (w.assistant is not None) == (status is NumberStatus.ASSIGNED)
            ]
            assert sorted(n.number for n in numbers) == sorted(w.e164 for w in want)


async def test_assistants_match_the_world(make_harness: HarnessFactory, name: ProviderName) -> None:
    h = make_harness(name, numbers=5, assistants=13)
    assistants = await h.all_assistants(limit=4)
    assert sorted(a.name for a in assistants) == sorted(w.name for w in h.world.assistants)
    first = assistants[0]
    again = await h.adapter.get_assistant(first.native_id)
    assert again is not None
    assert again.name == first.name
    assert again.native_id == first.native_id


async def test_unknown_assistant_is_none(make_harness: HarnessFactory, name: ProviderName) -> None:
    h = make_harness(name, numbers=2, assistants=2)
    assistants = await h.all_assistants()
    fake = assistants[0].native_id[:-1] + ("0" if assistants[0].native_id[-1] != "0" else "1")
    assert await h.adapter.get_assistant(fake) is None


async def test_numbers_link_to_real_assistants(
    make_harness: HarnessFactory, name: ProviderName
) -> None:
    h = make_harness(name, numbers=20, assistants=4)
    ids = {a.native_id for a in await h.all_assistants()}
    for n in await h.all_numbers():
        if n.assistant is not None:
            assert n.assistant.native_id in ids


async def test_bad_key_is_unauthorized(make_harness: HarnessFactory, name: ProviderName) -> None:
    h = make_harness(name, api_key="wrong-key")
    with pytest.raises(UpstreamUnauthorized) as err:
        await h.all_numbers()
    assert err.value.provider is name
    assert err.value.status == 401
    assert "wrong-key" not in str(err.value)


async def test_missing_key_sends_no_credential(
    make_harness: HarnessFactory, name: ProviderName
) -> None:
    """One behaviour for every auth scheme: no key, no credential header (never an empty
    one); the upstream's 401 is reported as this provider's."""
    scheme = adapter_class(name).auth
    keyless = demo_provider_settings(name).model_copy(update={"api_key": None})
    assert scheme.header not in scheme.headers(keyless)
    h = make_harness(name, api_key="")
    with pytest.raises(UpstreamUnauthorized) as err:
        await h.all_numbers()
    assert err.value.provider is name
    assert err.value.status == 401


@pytest.mark.parametrize("fault", ["malformed", "wrong_shape"])
async def test_bad_payload_is_typed_error(
    make_harness: HarnessFactory, name: ProviderName, fault: str
) -> None:
    h = make_harness(name)
    await h.inject(**{fault: True, "times": 1})
    error = await h.numbers_failure()
    assert isinstance(error, UpstreamBadResponse)
    assert error.provider is name


async def test_upstream_500_is_http_error(make_harness: HarnessFactory, name: ProviderName) -> None:
    h = make_harness(name)
    await h.inject(status=503, times=1)
    error = await h.numbers_failure()
    assert isinstance(error, UpstreamHTTPError)
    assert error.status == 503
    assert error.provider is name


async def test_large_world_pages_to_the_end(
    make_harness: HarnessFactory, name: ProviderName
) -> None:
    h = make_harness(name, numbers=1234, assistants=3)
    numbers = await h.all_numbers()
    assert len(numbers) == 1234
