"""The network under the layers, through aiohttp: an ``httpx`` transport.

Adapters, the layers and the tests keep speaking httpx (requests, responses, its typed
errors); only the bytes on the wire go through aiohttp's pooled connections and its C
HTTP parser. One call (GET, 16 KB JSON body, loopback) cost 0.85-1.1 ms of CPU through
httpx's own transport (httpcore, h11, anyio) and 0.19 ms through aiohttp: the largest
share of a lone GraphQL request, which makes four of them (BENCHMARKS.md).

What httpx's transport did and this one keeps: TLS verified the way httpx verifies
(``httpx.create_ssl_context``), the request's connect/read timeouts, no redirects
followed, the body handed back undecoded so httpx decodes it per ``Content-Encoding``,
and failures raised as httpx's ``ConnectError`` / ``ConnectTimeout`` / ``ReadTimeout`` /
``ReadError`` / ``RemoteProtocolError``, which the response layer maps. Proxies stay with
httpx's transport (gateway/upstream/network.py).
"""

from __future__ import annotations

import aiohttp
import httpx
from yarl import URL

# Headers aiohttp writes itself from the URL and the body.
_OWN_HEADERS = frozenset({b"host", b"content-length", b"transfer-encoding", b"connection"})
# httpx's pool keeps an idle connection 5 s; so does this one.
KEEPALIVE_SECONDS = 5.0


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Pooled connections (at most ``max_connections``) to whatever the requests name."""

    def __init__(self, max_connections: int) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Inside the running loop, at the first request: aiohttp binds a session to it.
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            limit_per_host=0,
            keepalive_timeout=KEEPALIVE_SECONDS,
            ssl=httpx.create_ssl_context(),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # httpx decodes, per the response's Content-Encoding
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx's client keeps the cookies
            skip_auto_headers=("User-Agent",),  # httpx's own is in the request
        )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session if self._session is not None else self._open()
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() not in _OWN_HEADERS
        ]
        body = await request.aread()
        try:
            async with session.request(
                request.method,
                URL(str(request.url), encoded=True),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=_timeout(request),
            ) as response:
                content = await response.read()
                status, raw_headers, reason = response.status, response.raw_headers, response.reason
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc), request=request) from exc
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        return httpx.Response(
            status,
            headers=list(raw_headers),
            stream=httpx.ByteStream(content),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (reason or "").encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    """httpx's per-request timeouts (the client's ``httpx.Timeout``) for aiohttp: waiting
    for a pooled connection and connecting, then each read."""
    given = request.extensions.get("timeout") or {}
    connect, pool, read = given.get("connect"), given.get("pool"), given.get("read")
    return aiohttp.ClientTimeout(
        total=None,
        connect=None if connect is None or pool is None else connect + pool,
        sock_connect=connect,
        sock_read=read,
    )


__all__ = ["KEEPALIVE_SECONDS", "AiohttpTransport"]
