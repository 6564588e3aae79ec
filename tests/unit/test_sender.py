"""The upstream sender sends what an ``httpx.AsyncClient`` would have sent.

Each case goes through both, over the same recording transport (the network stand-in;
the sender's attempts reach it through the httpx edge of the stack), and the requests
must match: method, URL, every header in order, body, timeouts.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from gateway.resilience import CallDeadline
from gateway.upstream import Answer, Attempt, Exchange, Hop
from gateway.upstream.httpx_network import HttpxNetwork
from gateway.upstream.sender import Sender

TIMEOUT = httpx.Timeout(7.0, connect=2.0)


def call() -> Exchange:
    return Exchange(CallDeadline(None), "/", retryable=True)


def sender_over(network: httpx.AsyncBaseTransport | Hop, base_url: str, **headers: str) -> Sender:
    if isinstance(network, httpx.AsyncBaseTransport):
        network = HttpxNetwork(network)
    return Sender(network, base_url=base_url, headers=headers, timeout=TIMEOUT)


class Recorder(httpx.AsyncBaseTransport):
    """Answers every request with ``answer`` and keeps the requests."""

    def __init__(self, answer: httpx.Response | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        if self.answer is not None:
            return httpx.Response(
                self.answer.status_code, headers=self.answer.headers, content=self.answer.content
            )
        return httpx.Response(200, json={"ok": True})

    async def aclose(self) -> None:
        self.closed = True


def _seen(request: httpx.Request) -> tuple[Any, ...]:
    return (
        request.method,
        str(request.url),
        request.headers.raw,
        request.content,
        request.extensions.get("timeout"),
    )


CASES: list[tuple[str, str, dict[str, Any], Any, dict[str, str]]] = [
    ("https://api.example.com", "/v1/phone-numbers", {"limit": 5, "offset": 10}, None, {}),
    ("https://api.example.com/base", "v1/agents", {}, None, {}),
    ("https://api.example.com/base/", "/v1/agents", {"q": "a b&c", "n": ["1", "2"]}, None, {}),
    ("https://api.example.com", "/v1/agents", {}, {"name": "Ada", "n": 1}, {"X-Call": "1"}),
    ("https://api.example.com", "https://other.example.com/abs?x=1", {"y": "2"}, None, {}),
    ("http://user:p%40ss@api.example.com:8080/api", "/list", {}, None, {"Accept": "text/plain"}),
    ("https://api.example.com", "/v1/agents", {}, None, {"Host": "edge.example.com"}),
]


@pytest.mark.parametrize(("base", "path", "params", "body", "headers"), CASES)
async def test_requests_match_httpx_client(
    base: str, path: str, params: dict[str, Any], body: Any, headers: dict[str, str]
) -> None:
    provider_headers = {"Accept": "application/json", "Authorization": "Bearer k"}
    if "@" in base:
        del provider_headers["Authorization"]  # the URL's credentials are the auth here
    theirs, ours = Recorder(), Recorder()
    client = httpx.AsyncClient(
        base_url=base,
        headers=provider_headers,
        timeout=TIMEOUT,
        transport=theirs,
        follow_redirects=False,
    )
    sender = sender_over(ours, base, **provider_headers)
    method = "POST" if body is not None else "GET"
    await client.request(method, path, params=params or None, json=body, headers=headers or None)
    answer = await sender.send(
        method, sender.url(path, params), json=body, headers=headers, exchange=call()
    )
    assert _seen(ours.requests[0]) == _seen(theirs.requests[0])
    assert json.loads(answer.body) == {"ok": True}
    await client.aclose()


async def test_kept_headers_build_the_same_requests_again() -> None:
    """The sender keeps its headers for every call: later requests, other methods and
    other hosts still match httpx's, and a header a layer adds to one attempt (a trace
    header) never reaches the next."""
    provider_headers = {"Accept": "application/json", "Authorization": "Bearer k"}
    base = "https://api.example.com/v1"
    theirs, ours = Recorder(), Recorder()
    client = httpx.AsyncClient(
        base_url=base, headers=provider_headers, timeout=TIMEOUT, transport=theirs
    )

    class Tagging:
        """A layer that tags the first attempt it sees."""

        def __init__(self, inner: Hop) -> None:
            self.inner, self.tagged = inner, False

        async def send(self, attempt: Attempt) -> Answer:
            if not self.tagged:
                self.tagged = True
                attempt.set_header("traceparent", "00-changed-by-a-layer-01")
            return await self.inner.send(attempt)

        async def aclose(self) -> None:
            await self.inner.aclose()

    sender = sender_over(Tagging(HttpxNetwork(ours)), base, **provider_headers)
    calls = [
        ("GET", "/numbers", {"limit": 5}),
        ("GET", "/numbers", {"limit": 5}),
        ("DELETE", "/numbers/7", {}),
        ("GET", "https://next.example.com/page?cursor=abc", {}),
        ("GET", "/agents", {}),
    ]
    for method, path, params in calls:
        await client.request(method, path, params=params or None)
        await sender.send(method, sender.url(path, params), exchange=call())
        if len(ours.requests) == 1:
            assert ours.requests[0].headers["traceparent"] == "00-changed-by-a-layer-01"
            continue
        assert _seen(ours.requests[-1]) == _seen(theirs.requests[-1])
    await client.aclose()


async def test_a_host_among_the_provider_headers_is_kept_as_httpx_keeps_it() -> None:
    provider_headers = {"Host": "edge.example.com", "Authorization": "Bearer k"}
    theirs, ours = Recorder(), Recorder()
    client = httpx.AsyncClient(
        base_url="https://api.example.com", headers=provider_headers, transport=theirs
    )
    sender = sender_over(ours, "https://api.example.com", **provider_headers)
    await client.get("/v1/numbers")
    await sender.send("GET", sender.url("/v1/numbers"), exchange=call())
    assert ours.requests[0].headers.raw == theirs.requests[0].headers.raw
    await client.aclose()


async def test_cookies_an_upstream_sets_are_sent_back() -> None:
    answer = httpx.Response(200, headers={"Set-Cookie": "lb=node-2; Path=/"}, content=b"{}")
    network = Recorder(answer)
    sender = sender_over(network, "https://api.example.com")
    for _ in range(2):
        await sender.send("GET", sender.url("/v1/x"), exchange=call())
    first, second = network.requests
    assert "cookie" not in first.headers
    assert second.headers["cookie"] == "lb=node-2"


async def test_the_body_is_read_and_redirects_are_not_followed() -> None:
    network = Recorder(httpx.Response(302, headers={"Location": "/elsewhere"}, content=b"moved"))
    sender = sender_over(network, "https://api.example.com")
    answer = await sender.send("GET", sender.url("/v1/x"), exchange=call())
    assert (answer.status, answer.body) == (302, b"moved")
    assert answer.header("location") == "/elsewhere"
    assert len(network.requests) == 1


async def test_a_closed_sender_refuses_and_closes_its_transport_once() -> None:
    network = Recorder()
    sender = sender_over(network, "https://api.example.com")
    await sender.aclose()
    await sender.aclose()
    assert network.closed
    assert sender.is_closed
    with pytest.raises(RuntimeError):
        await sender.send("GET", sender.url("/v1/x"), exchange=call())
