"""The network under the layers: HTTP/1.1 on pooled asyncio connections, parsed by httptools.

Why not aiohttp, which this replaced: one call (GET, 16 KB JSON body, loopback, uvloop)
cost 153 us of CPU through ``aiohttp.ClientSession`` and 50 us through this network
(BENCHMARKS.md). A page of 50 makes three such calls and waits for the slowest, so the
session's per-call machinery
(``ClientRequest``/``ClientResponse`` objects, multidicts, traces, timers, the
connector's bookkeeping) was most of the gateway's own time on that path. What the
layers need is smaller: the attempt's bytes out, status, raw headers and whole body back.

httptools is llhttp, the parser of Node.js (and of uvicorn, which serves the gateway):
framing (Content-Length, chunked, to the end of the connection), keep-alive and malformed
answers are its business, not this module's. What this module keeps of httpx's
transport, as aiohttp kept it before:

- at most ``max_connections`` connections, kept alive ``KEEPALIVE_SECONDS`` when idle;
  waiting for one is bounded by the pool timeout (``httpx.PoolTimeout``);
- TLS verified as httpx verifies (``httpx.create_ssl_context``), connect and TLS
  handshake bounded by the connect timeout (``httpx.ConnectTimeout``, else
  ``httpx.ConnectError``);
- each read bounded by the read timeout (``httpx.ReadTimeout``); a connection cut or an
  answer llhttp refuses is ``httpx.RemoteProtocolError``, a socket error
  ``httpx.ReadError``; the response layer maps them all;
- ``Host`` first and a body's ``Content-Length`` as httpx writes them; no redirect
  followed; the body decoded per ``Content-Encoding`` by httpx's decoders;
- a kept connection the server closed just as it was picked is replaced once, for
  idempotent methods (what httpcore and aiohttp do), before any byte of an answer.

Proxies stay with httpx's transport (gateway/upstream/network.py).
"""

from __future__ import annotations

import asyncio
import collections
import ssl

import httptools
import httpx

from ..made_once import MadeOnce
from .wire import Answer, Attempt, Header

# httpx's pool keeps an idle connection 5 s; so does this one.
KEEPALIVE_SECONDS = 5.0
_KEPT = 256  # URLs and header tuples encoded, per network
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_BODY_EXPECTED = frozenset({"POST", "PUT", "PATCH"})  # httpx sends Content-Length: 0

Origin = tuple[str, str, int]


class _Stale(Exception):
    """A kept connection was closed before any byte of its answer came back."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection, one exchange at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop, origin: Origin) -> None:
        self.loop = loop
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reusable = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Answer] | None = None
        self._head = False
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._started = False  # a byte of the answer has arrived
        self._framed = False  # its length is known (Content-Length or chunked)
        self._headers_done = False
        self._encoded = False
        self._read_timeout: float | None = None
        self._last_read = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        self._started = True
        self._last_read = self.loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("the upstream switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"malformed answer: {exc}"))

    def eof_received(self) -> bool:
        return False  # close; connection_lost finishes an answer that ends with it

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._stop_timer()
        if self._waiter is None or self._waiter.done():
            return
        if self._headers_done and not self._framed and exc is None:
            self._complete()  # a body that runs to the end of the connection
        elif not self._started:
            self._fail(_Stale() if exc is None else httpx.ReadError(str(exc)))
        elif exc is not None:
            self._fail(httpx.ReadError(str(exc) or type(exc).__name__))
        else:
            self._fail(httpx.RemoteProtocolError("the upstream closed the connection mid-answer"))

    # httptools callbacks

    def on_message_begin(self) -> None:
        self._headers = []
        self._body = []
        self._headers_done = self._framed = self._encoded = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        lower = name.lower()
        if lower == b"content-length" or lower == b"transfer-encoding":
            self._framed = True
        elif lower == b"content-encoding" and value.lower() != b"identity":
            self._encoded = True

    def on_headers_complete(self) -> None:
        self._headers_done = True
        status = self._parser.get_status_code()
        if status < 200 or status in (204, 304):
            self._framed = True  # no body by definition
        if self._head:  # llhttp does not know the request asked for no body
            self.reusable = False
            self._complete()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self._parser.get_status_code() < 200:
            return  # an interim answer (100 Continue): the final one follows
        self.reusable = self._parser.should_keep_alive()
        self._complete()

    # the exchange

    async def exchange(self, request: bytes, *, head: bool, read_timeout: float | None) -> Answer:
        assert self.transport is not None
        waiter: asyncio.Future[Answer] = self.loop.create_future()
        self._waiter = waiter
        self._head = head
        self._started = False
        self.reusable = False
        self._read_timeout = read_timeout
        self.transport.write(request)
        if read_timeout is not None:
            self._last_read = self.loop.time()
            self._timer = self.loop.call_at(self._last_read + read_timeout, self._check_read)
        try:
            return await waiter
        finally:
            self._waiter = None
            self._stop_timer()

    def _check_read(self) -> None:
        self._timer = None
        if self._waiter is None or self._waiter.done() or self._read_timeout is None:
            return
        due = self._last_read + self._read_timeout
        if self.loop.time() < due:  # a read since: wait for the rest of its time
            self._timer = self.loop.call_at(due, self._check_read)
            return
        self._fail(httpx.ReadTimeout("the upstream did not answer in time"))
        self.close()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _complete(self) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        status = self._parser.get_status_code()
        body = b"".join(self._body)
        if self._encoded:
            body = httpx.Response(status, headers=self._headers, content=body).read()
        waiter.set_result(Answer(status, self._headers, body))

    def _fail(self, error: Exception) -> None:
        self.reusable = False
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()


class Http1Network:
    """Pooled HTTP/1.1 connections (at most ``max_connections``) to what attempts name."""

    def __init__(self, max_connections: int) -> None:
        self._max = max_connections
        self._open = 0
        self._idle: dict[Origin, list[_Connection]] = {}
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self._ssl: ssl.SSLContext | None = None
        self._all: set[_Connection] = set()
        # the bytes of the URLs and header tuples the client keeps (the same objects return)
        self._targets = MadeOnce(_target, _KEPT)
        self._heads = MadeOnce(_encode, _KEPT)
        self.closed = False

    async def send(self, attempt: Attempt) -> Answer:
        if self.closed:
            raise RuntimeError("the upstream network has been closed")
        request, origin = self._request(attempt)
        head, timeout = attempt.method == "HEAD", attempt.timeout
        retry = attempt.method in _IDEMPOTENT
        while True:
            connection, reused = await self._acquire(origin, timeout)
            try:
                answer = await connection.exchange(request, head=head, read_timeout=timeout.read)
            except _Stale:
                self._discard(connection)
                if reused and retry:
                    retry = False
                    continue  # the server had closed it: once more, on a fresh one
                raise httpx.RemoteProtocolError(
                    "the upstream closed the connection without answering"
                ) from None
            except BaseException:
                self._discard(connection)
                raise
            self._release(connection)
            return answer

    # requests

    def _request(self, attempt: Attempt) -> tuple[bytes, Origin]:
        line, host, origin = self._targets(attempt.url)
        lines, has_host, framed = self._heads(attempt.headers)
        parts = [attempt.method.encode("ascii"), line]
        if not has_host:
            parts.append(host)
        parts.append(lines)
        body = attempt.body
        if not framed and (body or attempt.method in _BODY_EXPECTED):
            parts.append(b"Content-Length: %d\r\n" % len(body))
        parts += [b"\r\n", body]
        return b"".join(parts), origin

    # the pool

    async def _acquire(self, origin: Origin, timeout: httpx.Timeout) -> tuple[_Connection, bool]:
        idle = self._idle.get(origin)
        loop = asyncio.get_running_loop()
        while idle:
            connection = idle.pop()
            if connection.closed or loop.time() - connection.idle_since > KEEPALIVE_SECONDS:
                self._discard(connection)
                continue
            return connection, True
        if self._open >= self._max and not self._evict_idle():
            await self._wait_for_room(timeout.pool)
            return await self._acquire(origin, timeout)
        self._open += 1
        try:
            return await self._connect(loop, origin, timeout.connect), False
        except BaseException:
            self._open -= 1
            self._wake()
            raise

    def _evict_idle(self) -> bool:
        """Room made by closing the longest idle connection (to another origin: this one's
        are all taken), if there is one."""
        idle = [c for kept in self._idle.values() for c in kept]
        if not idle:
            return False
        self._discard(min(idle, key=lambda c: c.idle_since))
        return True

    async def _wait_for_room(self, pool: float | None) -> None:
        room: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(room)
        try:
            async with asyncio.timeout(pool):
                await room
        except TimeoutError:
            raise httpx.PoolTimeout("no upstream connection came free in time") from None
        finally:
            if room in self._waiting:
                self._waiting.remove(room)

    async def _connect(
        self, loop: asyncio.AbstractEventLoop, origin: Origin, timeout: float | None
    ) -> _Connection:
        scheme, host, port = origin
        context: ssl.SSLContext | None = None
        if scheme == "https":
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context()
            context = self._ssl
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop, origin),
                    host,
                    port,
                    ssl=context,
                    server_hostname=host if context is not None else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        self._all.add(connection)
        return connection

    def _release(self, connection: _Connection) -> None:
        if not connection.reusable or connection.closed or self.closed:
            self._discard(connection)
            return
        connection.idle_since = connection.loop.time()
        self._idle.setdefault(connection.origin, []).append(connection)
        self._wake()

    def _discard(self, connection: _Connection) -> None:
        if connection in self._all:
            self._all.discard(connection)
            self._open -= 1
            connection.close()
            idle = self._idle.get(connection.origin)
            if idle and connection in idle:
                idle.remove(connection)
            self._wake()

    def _wake(self) -> None:
        while self._waiting:
            room = self._waiting.popleft()
            if not room.done():
                room.set_result(None)
                return

    async def aclose(self) -> None:
        self.closed = True
        for connection in list(self._all):
            self._discard(connection)
        self._idle.clear()


def _target(url: httpx.URL) -> tuple[bytes, bytes, Origin]:
    """`` /path?query HTTP/1.1`` line, the ``Host`` header httpx writes, and the origin."""
    scheme = url.scheme
    port = url.port or (443 if scheme == "https" else 80)
    host = url.netloc.split(b"@")[-1]  # credentials are the Authorization header already
    return (
        b" " + url.raw_path + b" HTTP/1.1\r\n",
        b"Host: " + host + b"\r\n",
        (scheme, url.host, port),
    )


def _encode(headers: tuple[Header, ...]) -> tuple[bytes, bool, bool]:
    """The header lines, whether they name the Host, whether they frame the body. A name
    or value that would split a line is refused, as h11 and aiohttp refuse it."""
    lines = []
    names = set()
    for name, value in headers:
        if any(c in name or c in value for c in "\r\n\0") or ":" in name:
            raise httpx.LocalProtocolError(f"invalid header {name!r}")
        lines.append(f"{name}: {value}\r\n")
        names.add(name.lower())
    text = "".join(lines)
    try:
        encoded = text.encode("latin-1")
    except UnicodeEncodeError:
        encoded = text.encode("utf-8")
    return encoded, "host" in names, bool(names & {"content-length", "transfer-encoding"})


__all__ = ["KEEPALIVE_SECONDS", "Http1Network"]
