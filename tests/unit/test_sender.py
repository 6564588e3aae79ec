"""The upstream sender sends what an ``httpx.AsyncClient`` would have sent.

Each case goes through both, over the same recording transport (the network stand-in),
and the requests must match: method, URL, every header in order, body, timeouts.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.upstream.sender import Sender

TIMEOUT = httpx.Timeout(7.0, connect=2.0)


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
    sender = Sender(ours, base_url=base, headers=provider_headers, timeout=TIMEOUT)
    method = "POST" if body is not None else "GET"
    await client.request(method, path, params=params or None, json=body, headers=headers or None)
    response = await sender.send(
        method, sender.url(path, params), json=body, headers=headers, extensions={}
    )
    assert _seen(ours.requests[0]) == _seen(theirs.requests[0])
    assert response.json() == {"ok": True}
    assert response.request is ours.requests[0]
    await client.aclose()


async def test_kept_headers_build_the_same_requests_again() -> None:
    """The sender keeps each host's headers for bodiless requests: later requests, other
    methods and other hosts still match httpx's, and one request's header changes (a
    cookie, a trace header) never reach the next."""
    provider_headers = {"Accept": "application/json", "Authorization": "Bearer k"}
    base = "https://api.example.com/v1"
    theirs, ours = Recorder(), Recorder()
    client = httpx.AsyncClient(
        base_url=base, headers=provider_headers, timeout=TIMEOUT, transport=theirs
    )
    sender = Sender(ours, base_url=base, headers=provider_headers, timeout=TIMEOUT)
    calls = [
        ("GET", "/numbers", {"limit": 5}),
        ("GET", "/numbers", {"limit": 5}),
        ("DELETE", "/numbers/7", {}),
        ("GET", "https://next.example.com/page?cursor=abc", {}),
        ("GET", "/agents", {}),
    ]
    for method, path, params in calls:
        await client.request(method, path, params=params or None)
        request = sender.url(path, params)
        await sender.send(method, request, extensions={})
        assert _seen(ours.requests[-1]) == _seen(theirs.requests[-1])
        ours.requests[-1].headers["traceparent"] = "00-changed-by-a-layer-01"
    await client.aclose()


async def test_a_host_among_the_provider_headers_is_kept_as_httpx_keeps_it() -> None:
    provider_headers = {"Host": "edge.example.com", "Authorization": "Bearer k"}
    theirs, ours = Recorder(), Recorder()
    client = httpx.AsyncClient(
        base_url="https://api.example.com", headers=provider_headers, transport=theirs
    )
    sender = Sender(
        ours, base_url="https://api.example.com", headers=provider_headers, timeout=TIMEOUT
    )
    await client.get("/v1/numbers")
    await sender.send("GET", sender.url("/v1/numbers"), extensions={})
    assert ours.requests[0].headers.raw == theirs.requests[0].headers.raw
    await client.aclose()


async def test_cookies_an_upstream_sets_are_sent_back() -> None:
    answer = httpx.Response(200, headers={"Set-Cookie": "lb=node-2; Path=/"}, content=b"{}")
    network = Recorder(answer)
    sender = Sender(network, base_url="https://api.example.com", headers={}, timeout=TIMEOUT)
    for _ in range(2):
        await sender.send("GET", sender.url("/v1/x"), extensions={})
    first, second = network.requests
    assert "cookie" not in first.headers
    assert second.headers["cookie"] == "lb=node-2"


async def test_the_body_is_read_and_redirects_are_not_followed() -> None:
    network = Recorder(httpx.Response(302, headers={"Location": "/elsewhere"}, content=b"moved"))
    sender = Sender(network, base_url="https://api.example.com", headers={}, timeout=TIMEOUT)
    response = await sender.send("GET", sender.url("/v1/x"), extensions={"k": 1})
    assert (response.status_code, response.content) == (302, b"moved")
    assert len(network.requests) == 1
    assert network.requests[0].extensions["k"] == 1


async def test_a_closed_sender_refuses_and_closes_its_transport_once() -> None:
    network = Recorder()
    sender = Sender(network, base_url="https://api.example.com", headers={}, timeout=TIMEOUT)
    await sender.aclose()
    await sender.aclose()
    assert network.closed
    assert sender.is_closed
    with pytest.raises(RuntimeError):
        await sender.send("GET", sender.url("/v1/x"), extensions={})
