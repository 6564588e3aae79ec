"""Config reload without restart: a bad config is refused and the old one keeps serving;
requests in flight finish on the config they started with."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.config import Settings, load_settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.emulators.common import Fault
from gateway.model import PROVIDER_ORDER, ProviderName
from gateway.reload import Reloadable
from tests.processes import served

PAGE = "query($n: Int) { phoneNumbers(first: $n) { nodes { id } } }"


def config(path: Path, max_page_size: int) -> Path:
    path.write_text(f"demo = true\nmax_page_size = {max_page_size}\n")
    return path


async def page_ok(client: httpx.AsyncClient, n: int) -> bool:
    body = (await client.post("/graphql", json={"query": PAGE, "variables": {"n": n}})).json()
    if "errors" in body:
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        return False
    return True


@pytest.fixture
def emulators() -> dict[ProviderName, object]:
    return {name: create_emulator(name, EmulatorConfig()) for name in PROVIDER_ORDER}


def reloadable(path: Path, emulators: dict) -> Reloadable:
    transports = {name: httpx.ASGITransport(app=app) for name, app in emulators.items()}

    def build(settings: Settings):
        return create_app(settings, transports=transports)  # type: ignore[arg-type]

    return Reloadable(build, lambda: load_settings(path))


async def test_good_config_applies_and_bad_config_is_refused(
    tmp_path: Path, emulators: dict
) -> None:
    path = config(tmp_path / "switchboard.toml", 50)
    app = reloadable(path, emulators)
    await app.current.start()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as c:
        assert await page_ok(c, 40)
        config(path, 30)
        assert await app.reload() is True
        assert not await page_ok(c, 40) and await page_ok(c, 30)
        for bad in (
            "demo = true\nmax_page_size = 0\n",
            "not [valid toml",
            "demo = true\nnope = 1\n",
        ):
            path.write_text(bad)
            assert await app.reload() is False
            assert await page_ok(c, 30) and not await page_ok(c, 31)  # the old config serves
        assert app.current.number == 2
    await app.current.close()


async def test_in_flight_requests_finish_on_their_config(tmp_path: Path, emulators: dict) -> None:
    path = config(tmp_path / "switchboard.toml", 50)
    app = reloadable(path, emulators)
    await app.current.start()
    emulators[ProviderName.BURKI].state.control.faults.append(Fault(latency_ms=400, times=1))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as c:
        slow = asyncio.create_task(page_ok(c, 40))
        await asyncio.sleep(0.1)
        old = app.current
        config(path, 10)
        assert await app.reload() is True
        assert not old.closed.is_set()  # still serving the request that started on it
        assert not await page_ok(c, 40)  # new requests: the new config
        assert await slow is True  # the old request: the config it started with
        assert old.closed.is_set()  # and then the old generation is shut down
    await app.current.close()


def test_sighup_reloads_a_served_process(tmp_path: Path) -> None:
    path = config(tmp_path / "switchboard.toml", 50)

    def wait_for(check, seconds: float = 10) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if check():
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        return False

    with served("serve", "--config", str(path), log_path=tmp_path / "server.log") as srv:
        url = f"{srv.url}/graphql"

        def ok(n: int) -> bool:
            body = httpx.post(url, json={"query": PAGE, "variables": {"n": n}}, timeout=10).json()
            return "errors" not in body

        assert wait_for(lambda: ok(40))
        config(path, 30)
        srv.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: not ok(40))
        path.write_text("max_page_size = oops")
        srv.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "reload refused" in srv.log())
        assert ok(30) and not ok(40)
        assert srv.proc.poll() is None
