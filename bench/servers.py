"""Entry points of the benchmark's server processes (each a real uvicorn on loopback).

``python -m bench.servers emulator --provider burki --port N --numbers 40 --assistants 10``
``python -m bench.servers gateway --port N --workers 1`` with ``BENCH_UPSTREAMS`` set to a
JSON object ``{"burki": "http://127.0.0.1:P", ...}`` and ``BENCH_API_KEY`` to the key.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.app import create_app
from gateway.config import Settings
from gateway.emulators import EmulatorConfig, create_emulator
from gateway.model import ProviderName
from gateway.providers import get_spec

UPSTREAMS_ENV = "BENCH_UPSTREAMS"
API_KEY_ENV = "BENCH_API_KEY"
# Page-cache TTL in seconds for the gateway process; unset keeps the gateway's default.
CACHE_TTL_ENV = "BENCH_CACHE_TTL"
# "1": the whole-response cache on (gateway/response_cache.py), for the warm-path scenario.
RESPONSE_CACHE_ENV = "BENCH_RESPONSE_CACHE"


def cache_overrides(cache_ttl: float | None) -> dict[str, Any]:
    """Settings fields that set the upstream page cache's TTL (if this gateway has one)."""
    if cache_ttl is None or "resilience" not in Settings.model_fields:
        return {}
    from gateway.resilience import ResilienceSettings

    return {"resilience": ResilienceSettings(cache_ttl_seconds=cache_ttl)}


def has_cache() -> bool:
    return "resilience" in Settings.model_fields


def gateway_settings(
    upstreams: dict[str, str],
    config: EmulatorConfig,
    cache_ttl: float | None = None,
    response_cache: bool = False,
) -> Settings:
    """Real (non-demo) settings whose providers are the emulators at ``upstreams``."""
    providers: dict[ProviderName, Any] = {
        ProviderName(name): {
            "base_url": url,
            "api_key_env": API_KEY_ENV,
            **get_spec(ProviderName(name)).emulator_ids(config),
        }
        for name, url in upstreams.items()
    }
    # No gateway API keys: the bench measures the gateway, not its tenant lookup.
    security: dict[str, Any] = (
        {"security": {"allow_unauthenticated": True}} if "security" in Settings.model_fields else {}
    )
    cached: dict[str, Any] = {"response_cache": True} if response_cache else {}
    return Settings(
        providers=providers,
        cursor_secret="switchboard-bench-secret",
        **cache_overrides(cache_ttl),
        **security,
        **cached,
    )


def gateway_app() -> Starlette:
    """uvicorn factory (``--workers`` needs an import string): reads the upstreams from env."""
    upstreams: dict[str, str] = json.loads(os.environ[UPSTREAMS_ENV])
    ttl = os.environ.get(CACHE_TTL_ENV)
    settings = gateway_settings(
        upstreams,
        EmulatorConfig(),
        float(ttl) if ttl else None,
        response_cache=os.environ.get(RESPONSE_CACHE_ENV) == "1",
    )
    return create_app(settings)


class Profiled:
    """ASGI wrapper: cProfile everything on the event loop from the ``skip``-th request on,
    written to ``out`` at lifespan shutdown (so start-up and imports stay out of it)."""

    def __init__(self, app: ASGIApp, out: str, skip: int = 50) -> None:
        self.app = app
        self.out = out
        self.skip = skip
        self.seen = 0
        self.profiler = cProfile.Profile()
        self.enabled = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":

            async def receive_and_dump() -> Message:
                message = await receive()
                if message["type"] == "lifespan.shutdown" and self.enabled:
                    self.profiler.disable()
                    self.enabled = False
                    self.profiler.dump_stats(self.out)
                return message

            await self.app(scope, receive_and_dump, send)
            return
        self.seen += 1
        if self.seen > self.skip and not self.enabled:
            self.enabled = True
            self.profiler.enable()
        await self.app(scope, receive, send)


def fixed_body_app(size: int) -> ASGIApp:
    """The least an ASGI app can do: ``size`` bytes of JSON for any request, its body read.
    Served the way the gateway is, it is the floor of the warm path (uvicorn's own cost)."""
    body = b'{"data":"' + b"x" * max(0, size - 11) + b'"}'
    start: Message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.servers")
    sub = parser.add_subparsers(dest="what", required=True)
    emu = sub.add_parser("emulator")
    emu.add_argument("--provider", required=True, choices=[p.value for p in ProviderName])
    emu.add_argument("--port", type=int, required=True)
    emu.add_argument("--numbers", type=int, default=40)
    emu.add_argument("--assistants", type=int, default=10)
    fixed = sub.add_parser("fixed", help="a fixed JSON body for any request (the floor)")
    fixed.add_argument("--port", type=int, required=True)
    fixed.add_argument("--bytes", type=int, required=True)
    gw = sub.add_parser("gateway")
    gw.add_argument("--port", type=int, required=True)
    gw.add_argument("--workers", type=int, default=1)
    gw.add_argument("--profile", help="cProfile the (single) worker into this file")
    gw.add_argument(
        "--stock-bind",
        action="store_true",
        help="let uvicorn bind the socket for --workers > 1 (no TCP_NODELAY: uvicorn#3149)",
    )
    args = parser.parse_args()
    common: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": args.port,
        "log_level": "warning",
        "access_log": False,
    }
    if args.what == "emulator":
        world = EmulatorConfig(numbers=args.numbers, assistants=args.assistants)
        uvicorn.run(create_emulator(ProviderName(args.provider), world), **common)
    elif args.what == "fixed":  # served as the gateway is (its protocol, no GC tuning)
        from gateway.serving import serve

        app = fixed_body_app(args.bytes)
        serve(
            lambda: app,
            "127.0.0.1",
            args.port,
            tune_gc=False,
            log_level="warning",
            access_log=False,
        )
    elif args.profile:
        uvicorn.run(Profiled(gateway_app(), args.profile), **common)
    elif args.stock_bind:  # uvicorn's own workers, for the comparison (uvicorn#3149)
        uvicorn.run("bench.servers:gateway_app", factory=True, workers=args.workers, **common)
    else:  # exactly what `switchboard serve` runs: its listener, workers and collector
        from gateway.serving import serve

        serve(
            gateway_app, "127.0.0.1", args.port, args.workers, log_level="warning", access_log=False
        )


if __name__ == "__main__":
    main()
