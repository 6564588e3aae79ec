"""The HTTP/1.1 network under the layers, with the sender over it, against a real socket:
what httpx's own transport did, it does (headers and bodies both ways, Content-Encoding
decoded by httpx's decoders, every framing of a body, no redirects, cookies, keep-alive,
a bounded pool, TLS verified), and its failures are httpx's typed errors, which the
response layer turns into UpstreamTimeout / UpstreamUnavailable."""

from __future__ import annotations

import asyncio
import gzip
import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import trustme

from gateway.resilience import CallDeadline
from gateway.upstream import Answer, Exchange
from gateway.upstream.http1_network import Http1Network
from gateway.upstream.sender import Sender
from tests.processes import free_port


@dataclass
class Server:
    """A minimal HTTP/1.1 server on a loopback socket: one behaviour per path."""

    port: int = 0
    connections: int = 0
    requests: list[dict[str, object]] = field(default_factory=list)
    hung_up: set[str] = field(default_factory=set)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ")
                headers = dict(
                    (k.strip().lower(), v.strip())
                    for k, v in (line.split(":", 1) for line in lines[1:] if line)
                )
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                self.requests.append(
                    {"method": method, "target": target, "headers": headers, "body": body}
                )
                if not await self.respond(target, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    async def respond(self, target: str, writer: asyncio.StreamWriter) -> bool:
        path = target.split("?")[0]
        if path == "/slow":
            await asyncio.sleep(2)
        if path == "/drop":
            writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial')
            await writer.drain()
            return False
        if path == "/hang-up-once" and path not in self.hung_up:
            self.hung_up.add(path)  # closes as a server closes an idle connection
            return False
        if path in ("/until-close", "/garbage", "/chunked", "/head"):
            writer.write(SPECIAL[path])
            await writer.drain()
            return path in ("/chunked", "/head")
        status, extra, payload = "200 OK", b"", json.dumps({"path": target}).encode()
        if path == "/gzip":
            extra, payload = b"Content-Encoding: gzip\r\n", gzip.compress(payload)
        if path == "/moved":
            status, extra = "302 Found", b"Location: /elsewhere\r\n"
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n".encode()
            + extra
            + b"Set-Cookie: a=1\r\nX-Twice: 1\r\nX-Twice: 2\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        await writer.drain()
        return True


SPECIAL = {
    "/until-close": b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"until": "close"}',
    "/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'7\r\n{"a": 1\r\n1\r\n}\r\n0\r\n\r\n',
    "/garbage": b"SPDY/9 what\r\n\r\n",
    "/head": b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n",
}


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    srv = Server()
    listener = await asyncio.start_server(srv.handle, "127.0.0.1", 0)
    srv.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield srv


class Client:
    """The sender over the HTTP/1.1 network, as a client gives it the attempts."""

    def __init__(
        self,
        port: int,
        read: float = 5.0,
        scheme: str = "http",
        *,
        connections: int = 4,
        pool: float | None = None,
    ) -> None:
        self.network = Http1Network(max_connections=connections)
        self.sender = Sender(
            self.network,
            base_url=f"{scheme}://127.0.0.1:{port}",
            headers={"Authorization": "Bearer k"},
            timeout=httpx.Timeout(read, connect=2.0, pool=read if pool is None else pool),
        )

    async def send(self, method: str, path: str, json: object = None) -> Answer:
        exchange = Exchange(CallDeadline(None), path, retryable=True)
        return await self.sender.send(method, self.sender.url(path), exchange=exchange, json=json)

    async def get(self, path: str) -> Answer:
        return await self.send("GET", path)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.sender.aclose()


def _client(port: int, read: float = 5.0, scheme: str = "http") -> Client:
    return Client(port, read, scheme)


async def test_requests_and_answers_go_both_ways_unchanged(server: Server) -> None:
    async with _client(server.port) as client:
        response = await client.send("POST", "/list?page=2&q=a%20b", json={"x": [1, 2]})
    assert response.status == 200
    assert json.loads(response.body) == {"path": "/list?page=2&q=a%20b"}  # the query as encoded
    assert response.headers.get_list("x-twice") == ["1", "2"]
    sent = server.requests[0]
    assert sent["method"] == "POST"
    assert sent["body"] == b'{"x":[1,2]}'
    headers = sent["headers"]
    assert isinstance(headers, dict)
    assert headers["authorization"] == "Bearer k"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("python-httpx/")  # httpx's, as the sender sets it
    assert headers["host"] == f"127.0.0.1:{server.port}"


async def test_content_encoding_is_decoded_by_httpx_decoders(server: Server) -> None:
    async with _client(server.port) as client:
        response = await client.get("/gzip")
    assert json.loads(response.body) == {"path": "/gzip"}


async def test_credentials_in_the_url_are_sent_as_basic_auth_only(server: Server) -> None:
    network = Http1Network(max_connections=1)
    sender = Sender(
        network,
        base_url=f"http://ada:p%40ss@127.0.0.1:{server.port}",
        headers={},
        timeout=httpx.Timeout(5.0),
    )
    exchange = Exchange(CallDeadline(None), "/ok", retryable=True)
    answer = await sender.send("GET", sender.url("/ok"), exchange=exchange)
    await sender.aclose()
    assert answer.status == 200
    headers = server.requests[0]["headers"]
    assert isinstance(headers, dict)
    assert headers["authorization"] == "Basic YWRhOnBAc3M="  # ada:p@ss


async def test_redirects_are_not_followed_and_cookies_come_back(server: Server) -> None:
    async with _client(server.port) as client:
        moved = await client.get("/moved")
        await client.get("/again")
    assert moved.status == 302  # not followed
    assert [r["target"] for r in server.requests] == ["/moved", "/again"]
    headers = server.requests[1]["headers"]
    assert isinstance(headers, dict)
    assert headers.get("cookie") == "a=1"  # the sender's cookie jar, sent once


async def test_connections_are_kept_alive(server: Server) -> None:
    async with _client(server.port) as client:
        for _ in range(5):
            assert (await client.get("/ok")).status == 200
    assert server.connections == 1


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with _client(free_port()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/ok")


async def test_a_slow_answer_is_a_read_timeout(server: Server) -> None:
    async with _client(server.port, read=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/slow")


async def test_a_cut_answer_is_a_transport_error(server: Server) -> None:
    async with _client(server.port) as client:
        with pytest.raises(httpx.TransportError):
            await client.get("/drop")


@pytest.fixture
def tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 signed by a throwaway CA, and that CA's file."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return server_context, ca_file


async def _https_server(context: ssl.SSLContext) -> tuple[Server, asyncio.Server]:
    srv = Server()
    listener = await asyncio.start_server(srv.handle, "127.0.0.1", 0, ssl=context)
    srv.port = listener.sockets[0].getsockname()[1]
    return srv, listener


async def test_https_is_verified_as_httpx_verifies(
    tls: tuple[ssl.SSLContext, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A certificate the trust store vouches for is accepted (httpx's SSL_CERT_FILE, here
    the throwaway CA); the same server is refused while that CA is not trusted."""
    context, ca_file = tls
    srv, listener = await _https_server(context)
    async with listener:
        async with _client(srv.port, scheme="https") as untrusting:
            with pytest.raises(httpx.ConnectError):
                await untrusting.get("/ok")
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        async with _client(srv.port, scheme="https") as trusting:
            response = await trusting.get("/ok")
        assert json.loads(response.body) == {"path": "/ok"}


async def test_every_framing_of_a_body_is_read(server: Server) -> None:
    """Chunked, to the end of the connection, none for HEAD: llhttp frames, the network
    reads; a chunked answer's connection is kept, the one that ended with its body is not."""
    async with _client(server.port) as client:
        assert json.loads((await client.get("/chunked")).body) == {"a": 1}
        assert json.loads((await client.get("/until-close")).body) == {"until": "close"}
        head = await client.send("HEAD", "/head")
        assert (head.status, head.body) == (200, b"")
        assert (await client.get("/ok")).status == 200
    assert server.connections == 3  # after the body that ran to the close, after HEAD


async def test_an_answer_that_is_not_http_is_a_protocol_error(server: Server) -> None:
    async with _client(server.port) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/garbage")
        assert (await client.get("/ok")).status == 200  # on a new connection


async def test_a_kept_connection_the_server_closed_is_replaced_once(server: Server) -> None:
    """The server closes a kept connection as the next GET goes out on it (a keep-alive
    race): the GET goes again on a fresh connection. A POST is not sent twice."""
    async with _client(server.port) as client:
        assert (await client.get("/ok")).status == 200
        assert (await client.get("/hang-up-once")).status == 200
        assert server.connections == 2
        server.hung_up.clear()
        with pytest.raises(httpx.RemoteProtocolError):
            await client.send("POST", "/hang-up-once", json={})
        assert (await client.send("POST", "/hang-up-once", json={})).status == 200


async def test_the_pool_is_bounded_and_waiting_for_it_is_too(server: Server) -> None:
    async with Client(server.port, connections=1, pool=0.3) as client:

        async def get(path: str) -> int:
            return (await client.get(path)).status

        assert await asyncio.gather(get("/a"), get("/b"), get("/c")) == [200, 200, 200]
        assert server.connections == 1  # the others waited for the one connection
        slow = asyncio.ensure_future(get("/slow"))
        await asyncio.sleep(0.05)
        with pytest.raises(httpx.PoolTimeout):
            await get("/ok")
        assert await slow == 200


async def test_a_header_that_would_split_a_line_is_refused(server: Server) -> None:
    async with _client(server.port) as client:
        exchange = Exchange(CallDeadline(None), "/ok", retryable=True)
        with pytest.raises(httpx.LocalProtocolError):
            await client.sender.send(
                "GET",
                client.sender.url("/ok"),
                exchange=exchange,
                headers={"X-Note": "a\r\nX-Injected: 1"},
            )
    assert server.requests == []
