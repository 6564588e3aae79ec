"""The demo failure switch: one provider's in-process emulator made slow, failing or
rate-limited, so that partial data and the providers' error codes can be seen in GraphiQL.

Demo mode only: ``switchboard serve --demo --fail PROVIDER[:MODE]``, ``demo_fail`` in the
config, and ``/demo/faults`` (a small HTML page, or JSON) while serving. Outside demo mode
the settings refuse it and the page does not exist (404).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from .emulators.common import Control, Fault
from .model import PROVIDER_ORDER, ProviderName

# What each mode does to every request the provider's emulator receives.
MODES: dict[str, Callable[[], Fault]] = {
    "failing": lambda: Fault(status=503),
    "rate-limited": lambda: Fault(status=429, retry_after=1),
    "slow": lambda: Fault(latency_ms=2500),
}
DEFAULT_MODE = "failing"
PATH = "/demo/faults"


def parse_switch(value: str) -> tuple[ProviderName, str]:
    """``PROVIDER[:MODE]`` -> (provider, mode); ValueError naming what is wrong."""
    name, _, mode = value.partition(":")
    mode = mode or DEFAULT_MODE
    try:
        provider = ProviderName(name)
    except ValueError:
        known = ", ".join(p.value for p in PROVIDER_ORDER)
        raise ValueError(f"unknown provider {name!r} (one of {known})") from None
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
    return provider, mode


class DemoFaults:
    """The switch over the demo emulators' fault controls: at most one mode a provider."""

    def __init__(self, controls: Mapping[ProviderName, Control]) -> None:
        self.controls = dict(controls)
        self.modes: dict[ProviderName, str] = {}
        # Forgets the gateway's cached pages and responses, so the switch shows at once.
        self.on_change: Callable[[ProviderName], Awaitable[None]] | None = None

    def set(self, provider: ProviderName, mode: str | None) -> None:
        """Put ``provider`` in ``mode``; None: back to normal."""
        control = self.controls[provider]
        control.faults.clear()
        self.modes.pop(provider, None)
        if mode is not None:
            control.faults.append(MODES[mode]())
            self.modes[provider] = mode

    def state(self) -> dict[str, str]:
        return {p.value: self.modes.get(p, "ok") for p in self.controls}

    async def endpoint(self, request: Request) -> Response:
        """GET: the page (JSON for ``Accept: application/json``); POST a form or JSON
        ``{"provider": ..., "mode": "failing" | "rate-limited" | "slow" | "ok"}``."""
        origin = request.headers.get("origin")
        if request.method == "POST" and origin and origin.split("//")[-1] != request.url.netloc:
            return JSONResponse({"error": "cross-origin switch refused"}, 403)
        if request.method == "POST":
            if request.headers.get("content-type", "").startswith("application/json"):
                body = await request.json()
                fields = body if isinstance(body, dict) else {}
            else:
                # The page's form, urlencoded (no multipart parser needed for two fields).
                fields = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
            mode = str(fields.get("mode") or "ok")
            try:
                provider, _ = parse_switch(f"{fields.get('provider', '')}:failing")
                if mode != "ok":
                    parse_switch(f"{provider.value}:{mode}")
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, 400)
            if provider not in self.controls:
                return JSONResponse({"error": f"{provider.value} is not served"}, 400)
            self.set(provider, None if mode == "ok" else mode)
            if self.on_change is not None:
                await self.on_change(provider)
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"providers": self.state()})
        return HTMLResponse(self.page())

    def page(self) -> str:
        rows = []
        for name, mode in self.state().items():
            buttons = "".join(
                f'<button name="mode" value="{m}"{" disabled" if m == mode else ""}>{m}</button>'
                for m in ("ok", *MODES)
            )
            rows.append(
                f'<tr><td>{html.escape(name)}</td><td id="mode-{name}">{mode}</td><td>'
                f'<form method="post"><input type="hidden" name="provider" value="{name}">'
                f"{buttons}</form></td></tr>"
            )
        return (
            "<!doctype html><title>Switchboard demo faults</title>"
            "<h1>Demo failure switch</h1><p>Make a provider fail, rate-limit or slow down, "
            'then query in <a href="/graphql">GraphiQL</a>: its items are missing and an '
            "error names it (back to ok, its breaker may stay open a few seconds).</p>"
            f"<table>{''.join(rows)}</table>"
        )

    def routes(self) -> list[Route]:
        return [Route(PATH, self.endpoint, methods=["GET", "POST"])]


__all__ = ["DEFAULT_MODE", "MODES", "PATH", "DemoFaults", "parse_switch"]
