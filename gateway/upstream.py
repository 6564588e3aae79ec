"""The HTTP client every adapter calls through: one pooled httpx client per provider.

It turns transport failures and upstream statuses into typed :mod:`gateway.errors`, so
adapters never see an httpx exception and clients never see an upstream body.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx

from .config import ProviderSettings
from .errors import (
    RateLimited,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamHTTPError,
    UpstreamTimeout,
    UpstreamUnauthorized,
    UpstreamUnavailable,
)
from .model import ProviderName


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


class UpstreamClient:
    """Calls one provider's API. Created once per provider for the app's lifetime."""

    def __init__(
        self,
        provider: ProviderName,
        settings: ProviderSettings,
        headers: dict[str, str],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.provider = provider
        self.requests: Counter[str] = Counter()
        self._client = httpx.AsyncClient(
            base_url=settings.base_url or "",
            headers={"Accept": "application/json", **headers},
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            transport=transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
    ) -> Any:
        """Send one request and return its parsed JSON body, or raise an UpstreamError."""
        clean = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        self.requests[path] += 1
        try:
            response = await self._client.request(method, path, params=clean, json=json_body)
            body = await response.aread()
        except httpx.TimeoutException:
            raise UpstreamTimeout(self.provider, "upstream call timed out") from None
        except (httpx.TransportError, OSError, RuntimeError):
            # RuntimeError: an in-process (ASGI) upstream that died mid-response.
            raise UpstreamUnavailable(self.provider, "upstream connection failed") from None
        self._raise_for_status(response)
        try:
            return json.loads(body)
        except ValueError:
            raise UpstreamBadResponse(
                self.provider, "upstream returned malformed JSON", status=response.status_code
            ) from None

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self.request_json("GET", path, params=params)

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        error: UpstreamError
        if status in (401, 403):
            error = UpstreamUnauthorized(
                self.provider, "upstream rejected the credentials", status=status
            )
        elif status == 429:
            error = RateLimited(
                self.provider, "upstream rate limit hit", retry_after=_retry_after(response)
            )
        else:
            error = UpstreamHTTPError(
                self.provider, f"upstream returned HTTP {status}", status=status
            )
        raise error


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
