"""What ``httpx.AsyncClient`` did for each upstream call, without its per-call machinery.

The ``AsyncClient`` in front of the stack added per call auth and redirect flows we never
use, a cookie jar consulted on every response and the request rebuilt from merged
defaults: a quarter of the upstream path's CPU and a tenth of a whole cold GraphQL
request's (BENCHMARKS.md). This sender does only what the gateway relied on, by httpx's
rules, and hands the stack an :class:`~gateway.upstream.wire.Attempt`:

- URLs: the base URL with a trailing slash, the path appended, the query parameters
  merged (httpx's own rules, kept per (path, parameters) by the client);
- headers: httpx's defaults (``Accept-Encoding``, ``Connection``, ``User-Agent``), then
  the provider's, then the call's, in httpx's order (``Host`` is the network's, first,
  unless one was given); a JSON body's ``Content-Length`` and ``Content-Type``;
  credentials in the URL become Basic auth;
- the client's connect/read/write/pool timeouts, which the network applies;
- cookies an upstream sets are kept and sent back, as httpx's client kept them;
- no redirect is followed; the answer holds the whole body.
"""

from __future__ import annotations

import base64
import json as jsonlib
from collections.abc import Mapping
from typing import Any

import httpx

from .exchange import Exchange
from .wire import Answer, Attempt, Header, Hop, with_default_header, with_header

# httpx's default headers (Accept-Encoding names the decoders installed), read once
# from a client that opens nothing.
_DEFAULT_HEADERS = httpx.Client(
    transport=httpx.MockTransport(lambda _: httpx.Response(204))
).headers


def _with_slash(url: httpx.URL) -> httpx.URL:
    return url if url.raw_path.endswith(b"/") else url.copy_with(raw_path=url.raw_path + b"/")


def _wire(headers: httpx.Headers) -> tuple[Header, ...]:
    encoding = headers.encoding
    return tuple((k.decode(encoding), v.decode(encoding)) for k, v in headers.raw)


class Sender:
    """Sends attempts through ``network`` as an ``httpx.AsyncClient`` configured with
    ``base_url``, ``headers`` and ``timeout`` (and ``follow_redirects=False``) would."""

    def __init__(
        self,
        network: Hop,
        *,
        base_url: str,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
    ) -> None:
        self._network = network
        self._base = _with_slash(httpx.URL(base_url))
        self.headers = httpx.Headers(_DEFAULT_HEADERS)
        self.headers.update(headers)
        self._wire = _wire(self.headers)  # every call's, unless it adds its own
        self._timeout = timeout
        self.cookies = httpx.Cookies()
        self.is_closed = False

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.URL:
        """``path`` under the base URL (an absolute URL stays as it is), with ``params``."""
        url = httpx.URL(path)
        if url.is_relative_url:
            url = self._base.copy_with(raw_path=self._base.raw_path + url.raw_path.lstrip(b"/"))
        return httpx.URL(url, params=params) if params else url  # replaces any query, as httpx

    async def send(
        self,
        method: str,
        url: httpx.URL,
        *,
        exchange: Exchange,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """One attempt's way down the stack, in the order httpx builds a request."""
        if self.is_closed:
            raise RuntimeError("the upstream client has been closed")
        wire = self._wire
        if headers:
            merged = httpx.Headers(self.headers)
            merged.update(headers)
            wire = _wire(merged)
        if self.cookies:
            wire = self._with_cookies(method, url, wire)
        body = b""
        if json is not None:
            text = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            body = text.encode("utf-8")
            wire = with_default_header(wire, "Content-Length", str(len(body)))
            wire = with_default_header(wire, "Content-Type", "application/json")
        if url.userinfo:  # credentials in the URL: Basic auth, set last as httpx sets it
            userinfo = f"{url.username}:{url.password}".encode()
            basic = "Basic " + base64.b64encode(userinfo).decode()
            wire = with_header(wire, "Authorization", basic)
        answer = await self._network.send(Attempt(method, url, wire, body, exchange, self._timeout))
        if answer.header("set-cookie") is not None:
            seen = httpx.Response(
                answer.status,
                headers=list(answer.raw_headers),
                request=httpx.Request(method, url),
            )
            self.cookies.extract_cookies(seen)
        return answer

    def _with_cookies(
        self, method: str, url: httpx.URL, wire: tuple[Header, ...]
    ) -> tuple[Header, ...]:
        """``wire`` with the kept cookies for ``url``, chosen by httpx's jar."""
        probe = httpx.Request(method, url, headers=wire)
        self.cookies.set_cookie_header(probe)
        cookie = probe.headers.get("cookie")
        return wire if cookie is None else with_default_header(wire, "Cookie", cookie)

    async def aclose(self) -> None:
        if not self.is_closed:
            self.is_closed = True
            await self._network.aclose()
