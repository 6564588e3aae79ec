"""What travels through the upstream stack: one attempt down, one answer up.

The layers used to be httpx transports handing ``httpx.Request`` and ``httpx.Response``
objects to each other. Building those (header normalization, streams, the body read
through the decoder chain) and turning them into the network's calls and back was a
third of the upstream path's CPU per call (BENCHMARKS.md). An :class:`Attempt` holds
what the network sends (gateway/upstream/http1_network.py writes it as it is); an
:class:`Answer` holds the status, the raw headers and the whole decoded body. httpx
stays at the edges: its URL, headers and cookie rules in the sender, its transports
(tests, demo, proxies) behind :class:`~gateway.upstream.httpx_network.HttpxNetwork`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import httpx

if TYPE_CHECKING:
    from .exchange import Exchange

Header = tuple[str, str]


def _find(headers: Sequence[tuple[str, str]], name: str) -> int:
    wanted = name.lower()
    for index, (key, _value) in enumerate(headers):
        if key.lower() == wanted:
            return index
    return -1


class Attempt:
    """One request as the layers and the network see it. ``headers`` is a tuple, shared
    with the sender's kept copy: a layer that adds one (:meth:`set_header`) makes its own."""

    __slots__ = ("body", "exchange", "headers", "method", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: httpx.URL,
        headers: tuple[Header, ...],
        body: bytes,
        exchange: Exchange,
        timeout: httpx.Timeout,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers  # without Host unless one was given: the network adds it
        self.body = body
        self.exchange = exchange
        self.timeout = timeout

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        index = _find(self.headers, name)
        return None if index < 0 else self.headers[index][1]

    def set_header(self, name: str, value: str) -> None:
        """Set ``name`` to ``value``: in its place if present (as httpx sets one), else last."""
        self.headers = with_header(self.headers, name, value)


def with_header(headers: tuple[Header, ...], name: str, value: str) -> tuple[Header, ...]:
    index = _find(headers, name)
    if index < 0:
        return (*headers, (name, value))
    return (*headers[:index], (name, value), *headers[index + 1 :])


def with_default_header(headers: tuple[Header, ...], name: str, value: str) -> tuple[Header, ...]:
    """``name`` added last unless present (in any case), as httpx's ``setdefault``."""
    return headers if _find(headers, name) >= 0 else (*headers, (name, value))


class Answer:
    """One attempt's answer: the status, the raw headers, the whole body (decoded per its
    ``Content-Encoding``)."""

    __slots__ = ("body", "raw_headers", "status")

    def __init__(
        self, status: int, raw_headers: Sequence[tuple[bytes, bytes]], body: bytes
    ) -> None:
        self.status = status
        self.raw_headers = raw_headers
        self.body = body

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        wanted = name.lower().encode("latin-1")
        for key, value in self.raw_headers:
            if key.lower() == wanted:
                return value.decode("latin-1")
        return None

    @property
    def headers(self) -> httpx.Headers:
        """All the headers, as httpx reads them (for the rare reader that needs more)."""
        return httpx.Headers(list(self.raw_headers))


class Hop(Protocol):
    """A layer or the network: sends an attempt, returns its answer or raises."""

    async def send(self, attempt: Attempt) -> Answer: ...

    async def aclose(self) -> None: ...
