"""The network under the layers, through aiohttp's pooled connections and C HTTP parser.

One call (GET, 16 KB JSON body, loopback) cost 0.85-1.1 ms of CPU through httpx's own
transport (httpcore, h11, anyio) and 0.19 ms through aiohttp: the largest share of a
lone GraphQL request, which makes four of them (BENCHMARKS.md). The attempt arrives with
its headers as aiohttp takes them (gateway/upstream/wire.py), and the answer leaves with
the raw headers aiohttp parsed and the whole body.

What httpx's transport did and this one keeps: TLS verified the way httpx verifies
(``httpx.create_ssl_context``), the client's connect/read timeouts, no redirects
followed, the body decoded per ``Content-Encoding`` by httpx's decoders (the ones its
``Accept-Encoding`` offers), and failures raised as httpx's ``ConnectError`` /
``ConnectTimeout`` / ``ReadTimeout`` / ``ReadError`` / ``RemoteProtocolError``, which
the response layer maps. Proxies stay with httpx's transport (gateway/upstream/network.py).
"""

from __future__ import annotations

import aiohttp
import httpx
from yarl import URL

from .wire import Answer, Attempt

# httpx's pool keeps an idle connection 5 s; so does this one.
KEEPALIVE_SECONDS = 5.0
_URLS_KEPT = 256  # the client keeps its URLs: the same objects come back


class AiohttpNetwork:
    """Pooled connections (at most ``max_connections``) to whatever the attempts name."""

    def __init__(self, max_connections: int) -> None:
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        # id of a timeout -> (it, aiohttp's); id of a URL -> (it, yarl's): both come from
        # the client's kept objects, and converting them was a tenth of this hop's time.
        self._timeouts: dict[int, tuple[httpx.Timeout, aiohttp.ClientTimeout]] = {}
        self._urls: dict[int, tuple[httpx.URL, URL]] = {}

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
            auto_decompress=False,  # httpx's decoders, the ones its Accept-Encoding names
            cookie_jar=aiohttp.DummyCookieJar(),  # the sender keeps the cookies
            skip_auto_headers=("User-Agent",),  # httpx's own is in the attempt
        )
        return self._session

    async def send(self, attempt: Attempt) -> Answer:
        session = self._session if self._session is not None else self._open()
        try:
            async with session.request(
                attempt.method,
                self._url(attempt.url),
                headers=attempt.headers,
                data=attempt.body or None,
                allow_redirects=False,
                timeout=self._timeout(attempt.timeout),
            ) as response:
                body = await response.read()
                status, raw_headers = response.status, response.raw_headers
                encoded = response.headers.get("Content-Encoding")
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc)) from exc
        except (aiohttp.ServerTimeoutError, TimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise httpx.RemoteProtocolError(str(exc)) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
        if encoded and encoded.lower() != "identity":
            body = httpx.Response(status, headers=list(raw_headers), content=body).read()
        return Answer(status, raw_headers, body)

    def _url(self, url: httpx.URL) -> URL:
        kept = self._urls.get(id(url))
        if kept is not None and kept[0] is url:
            return kept[1]
        # The credentials in a URL are already the attempt's Authorization header, and
        # aiohttp refuses both at once.
        made = URL(str(url.copy_with(userinfo=b"") if url.userinfo else url), encoded=True)
        if len(self._urls) >= _URLS_KEPT:
            self._urls.clear()
        self._urls[id(url)] = (url, made)
        return made

    def _timeout(self, timeout: httpx.Timeout) -> aiohttp.ClientTimeout:
        """httpx's timeouts for aiohttp: waiting for a pooled connection and connecting,
        then each read."""
        kept = self._timeouts.get(id(timeout))
        if kept is not None and kept[0] is timeout:
            return kept[1]
        connect, pool, read = timeout.connect, timeout.pool, timeout.read
        made = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        self._timeouts[id(timeout)] = (timeout, made)
        return made

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()


__all__ = ["KEEPALIVE_SECONDS", "AiohttpNetwork"]
