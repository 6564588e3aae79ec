"""The bottom of the stack: the pooled connection to one provider.

A client given an httpx transport (tests, demo mode) sends through it
(gateway/upstream/httpx_network.py). A client given none connects itself, with
``max_concurrency`` pooled connections: HTTP/1.1 parsed by httptools
(gateway/upstream/http1_network.py, a tenth of httpx's own transport's CPU per call),
or, where the environment names a proxy for its base URL (``HTTPS_PROXY``,
``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``), through httpx's own transport and that
proxy, as an ``httpx.AsyncClient`` without a transport would have.
"""

from __future__ import annotations

import urllib.request

import httpx

from ..resilience import ResilienceSettings
from .http1_network import Http1Network
from .httpx_network import HttpxNetwork
from .wire import Hop


def network(
    base_url: str, policy: ResilienceSettings, transport: httpx.AsyncBaseTransport | Hop | None
) -> Hop:
    """The hop at the bottom of a client's stack: ``transport``, or its own connections."""
    if isinstance(transport, httpx.AsyncBaseTransport):
        return HttpxNetwork(transport)
    if transport is not None:
        return transport
    proxy = environment_proxy(base_url)
    if proxy is None:
        return Http1Network(policy.max_concurrency)
    limits = httpx.Limits(
        max_connections=policy.max_concurrency,
        max_keepalive_connections=policy.max_concurrency,
    )
    return HttpxNetwork(httpx.AsyncHTTPTransport(limits=limits, proxy=proxy))


def environment_proxy(base_url: str) -> str | None:
    """The proxy URL the environment sets for ``base_url``'s scheme, unless ``NO_PROXY``
    exempts its host."""
    if not base_url:
        return None
    proxies = urllib.request.getproxies()
    if not proxies:
        return None
    url = httpx.URL(base_url)
    if not url.host or urllib.request.proxy_bypass(url.host):
        return None
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy:
        return None
    return proxy if "://" in proxy else f"http://{proxy}"
