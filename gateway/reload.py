"""Configuration reload without a restart.

:class:`Reloadable` is the ASGI app uvicorn serves: it forwards each request to the
current gateway app (a *generation*). A reload builds a complete new generation from
the re-read config, starts it, and only then swaps it in; a config that does not load
is refused and the old generation keeps serving. Requests in flight finish on the
generation they started with, which is closed once the last of them is done.
``switchboard serve --config FILE`` reloads on SIGHUP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from .config import ConfigError, Settings

log = logging.getLogger("switchboard.reload")


@dataclass
class Generation:
    app: Starlette
    number: int
    lifespan: contextlib.AbstractAsyncContextManager[Any] | None = None
    inflight: int = 0
    retired: bool = False
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        self.lifespan = self.app.router.lifespan_context(self.app)
        await self.lifespan.__aenter__()

    async def close(self) -> None:
        if self.lifespan is not None and not self.closed.is_set():
            self.closed.set()
            await self.lifespan.__aexit__(None, None, None)


class Reloadable:
    """Serves the current generation; :meth:`reload` replaces it atomically."""

    def __init__(
        self,
        build: Callable[[Settings], Starlette],
        load: Callable[[], Settings],
        initial: Settings | None = None,
    ) -> None:
        self._build = build
        self._load = load
        self.current = Generation(build(initial or load()), number=1)
        self._lock = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        generation = self.current
        generation.inflight += 1
        try:
            await generation.app(scope, receive, send)
        finally:
            generation.inflight -= 1
            if generation.retired and generation.inflight == 0:
                await generation.close()

    async def reload(self) -> bool:
        """Load the config again and swap; False (old config kept) if it does not load."""
        async with self._lock:
            try:
                settings = self._load()
                fresh = Generation(self._build(settings), number=self.current.number + 1)
            except ConfigError as exc:
                log.error("config reload refused, still serving the old config: %s", exc)
                return False
            except Exception as exc:  # e.g. a provider that cannot be built
                log.error(
                    "config reload failed (%s), still serving the old config", type(exc).__name__
                )
                return False
            await fresh.start()
            old, self.current = self.current, fresh
            old.retired = True
            log.info("config reloaded: generation %d serving", fresh.number)
            if old.inflight == 0:
                await old.close()
            return True

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.current.start()
                self._install_sighup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.current.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _install_sighup(self) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(self.reload()))
