"""What ``httpx.AsyncClient`` did for each upstream call, without its per-call machinery.

The client's stack (the layers, the network) is an httpx transport, and the client hands
it ``httpx.Request`` objects and reads ``httpx.Response`` ones, as before. What the
``AsyncClient`` in front of it added per call (auth and redirect flows we never use, a
cookie jar consulted on every response, the request rebuilt from merged defaults) was a
quarter of the upstream path's CPU and a tenth of a whole cold GraphQL request's
(BENCHMARKS.md). This sender does only what the gateway relied on:

- URLs: the base URL with a trailing slash, the path appended, the query parameters
  merged (httpx's own rules, kept per (path, parameters) by the client);
- headers: httpx's defaults (``Accept-Encoding``, ``Connection``, ``User-Agent``), then
  the provider's, then the call's; credentials in the URL become Basic auth;
- the client's connect/read/write/pool timeouts in the request's ``timeout`` extension,
  where the transports read them;
- cookies an upstream sets are kept and sent back, as httpx's client kept them;
- no redirect is followed; the body is read before the response is returned.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import httpx

# httpx's default headers (Accept-Encoding names the decoders installed), read once
# from a client that opens nothing.
_DEFAULT_HEADERS = httpx.Client(
    transport=httpx.MockTransport(lambda _: httpx.Response(204))
).headers


# Methods httpx gives a Content-Length even without a body; their requests take its way.
_SIZED = frozenset({"POST", "PUT", "PATCH"})
_NO_BODY = httpx.ByteStream(b"")
_KEPT_HOSTS = 16  # absolute URLs of other hosts (a next-page link) get theirs too


def _with_slash(url: httpx.URL) -> httpx.URL:
    return url if url.raw_path.endswith(b"/") else url.copy_with(raw_path=url.raw_path + b"/")


class Sender:
    """Sends requests through ``transport`` as an ``httpx.AsyncClient`` configured with
    ``base_url``, ``headers`` and ``timeout`` (and ``follow_redirects=False``) would."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport,
        *,
        base_url: str,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
    ) -> None:
        self._transport = transport
        self._base = _with_slash(httpx.URL(base_url))
        self.headers = httpx.Headers(_DEFAULT_HEADERS)
        self.headers.update(headers)
        self._hostless = "host" not in self.headers  # else httpx keeps the one given
        self._timeout = timeout.as_dict()
        self.cookies = httpx.Cookies()
        # netloc -> the default headers with that Host first (see _bodiless)
        self._hosted: dict[bytes, httpx.Headers] = {}
        self.is_closed = False

    def _bodiless(
        self, method: str, url: httpx.URL, merged: httpx.Headers, extensions: dict[str, Any]
    ) -> httpx.Request:
        """The request httpx builds for a method without a body (a GET, mostly): ``Host``
        first, then ``merged``, no content headers, an empty body already read. Built
        from a kept copy of the headers with their ``Host``: httpx's own way re-reads,
        re-normalizes and copies every header twice (10 of the 12 us it takes)."""
        netloc = url.netloc
        template = self._hosted.get(netloc) if merged is self.headers else None
        if template is None:
            template = httpx.Headers([(b"Host", netloc), *merged.raw])
            if merged is self.headers and len(self._hosted) < _KEPT_HOSTS:
                self._hosted[netloc] = template
        request = httpx.Request(
            method, url, headers=template, stream=_NO_BODY, extensions=extensions
        )
        request.read()
        return request

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
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        extensions: dict[str, Any],
    ) -> httpx.Response:
        """One request through the transport; the response with its body read."""
        if self.is_closed:
            raise RuntimeError("the upstream client has been closed")
        if headers:
            merged = httpx.Headers(self.headers)
            merged.update(headers)
        else:
            merged = self.headers
        extensions = {**extensions, "timeout": self._timeout}
        if (
            json is None
            and method not in _SIZED
            and (self._hostless if merged is self.headers else "host" not in merged)
        ):
            request = self._bodiless(method, url, merged, extensions)
        else:
            request = httpx.Request(method, url, headers=merged, json=json, extensions=extensions)
        if self.cookies:
            self.cookies.set_cookie_header(request)
        if url.userinfo:  # credentials in the URL: Basic auth, set last as httpx sets it
            userinfo = f"{url.username}:{url.password}".encode()
            request.headers["Authorization"] = "Basic " + base64.b64encode(userinfo).decode()
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            if "set-cookie" in response.headers:
                self.cookies.extract_cookies(response)
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
        return response

    async def aclose(self) -> None:
        if not self.is_closed:
            self.is_closed = True
            await self._transport.aclose()
