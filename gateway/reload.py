"""Configuration reload without a restart.

:class:`Reloadable` is the ASGI app uvicorn serves: it forwards each request to the
current gateway app (a *generation*). A reload builds a complete new generation from
the re-read config, starts it, and only then swaps it in; a config that does not load
is refused and the old generation keeps serving. Requests in flight finish on the
generation they started with, which is closed once the last of them is done.
``switchboard serve --config FILE`` reloads on SIGHUP.

A closed generation must leave nothing behind (see :func:`forget_schemas`), and hands
what it still owes to the next one (see :func:`hand_over`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send
from strawberry.extensions import ValidationCache

from .config import ConfigError, Settings
from .made_once import forget_process_wide
from .observability.health import runtimes_of
from .resilience.redis_cache import RedisCache
from .view import CACHED_DOCUMENTS

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
            forget_schemas()


def forget_schemas() -> None:
    """Empty the process-wide caches whose keys hold a schema, so a closed generation
    can be freed.

    Strawberry's ``ValidationCache`` is one LRU per ``maxsize`` for the whole process,
    keyed by (schema, document, rules). Every generation's schema stayed reachable from
    it (and through the schema's extensions its metrics registry, clients and emulators)
    until 512 newer entries pushed it out: about 0.65 MB per reload, an RSS that grew
    with every SIGHUP. Called once the old generation's last request is done; the
    current schema pays one validation per distinct document again. ``Schema``'s own
    method LRUs (``get_type_by_name``, ``get_directive_by_name``) are keyed by ``self``
    in the same way. The process-wide memos of records (gateway/made_once.py) hold the
    old adapters' records and what was made of them.
    """
    validate = ValidationCache(maxsize=CACHED_DOCUMENTS).cached_validate_document
    clear = getattr(validate, "cache_clear", None)  # an lru_cache wrapper
    if callable(clear):
        clear()
    strawberry.Schema.get_type_by_name.cache_clear()
    strawberry.Schema.get_directive_by_name.cache_clear()
    forget_process_wide()  # the old adapters' records and their GraphQL objects


def hand_over(old: Starlette, new: Starlette) -> None:
    """Give the generation taking over what the closing one still owes.

    Each generation opens its own Redis connection and closes it with itself, together
    with the background retries of a page-cache clear that did not reach Redis. Dropped,
    that clear let the next generation (and every replica) serve the pages a write had
    replaced until their TTL (issue 13). The new generation's page cache takes it over:
    it serves nothing from Redis meanwhile and retries the clear until it lands.
    """
    successors = [c for c in _page_caches(new) if isinstance(c, RedisCache)]
    for cache in _page_caches(old):
        if isinstance(cache, RedisCache):
            for successor in successors:
                if successor.adopt_pending(cache):
                    break


def _page_caches(app: Starlette) -> list[object]:
    """The page caches of an app's runtimes, each once (the tenants may share one)."""
    caches = (getattr(r, "cache", None) for r in runtimes_of(app.state).values())
    return list({id(c): c for c in caches if c is not None}.values())


def collect_garbage() -> None:
    """Free a closed generation now, with one full collection.

    A generation is thousands of objects in reference cycles (schema types, app and
    middleware, clients), so only a full collection frees it; left to the collector's
    thresholds, several dead generations pile up between full collections and the heap
    keeps that high-water mark. If start-up froze the heap (``gc.freeze()``), the old
    generation is in the frozen set and would never be collected: unfreeze, collect, and
    freeze what survives (the new generation) again.
    """
    frozen = gc.get_freeze_count() > 0
    if frozen:
        gc.unfreeze()
    gc.collect()
    if frozen:
        gc.freeze()


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
                await self._close_retired(generation)

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
                await self._close_retired(old)
            # Unreferenced now; one closed later by its last request is collected here on
            # the next reload (or by the collector's own schedule before that).
            del old
            # A request that just finished releases what it held in the loop's next step
            # (gateway/view.py): let it, so its generation is not kept for another reload.
            await asyncio.sleep(0)
            collect_garbage()
            return True

    async def _close_retired(self, generation: Generation) -> None:
        """Close a replaced generation, once what it still owes is the current one's."""
        if not generation.closed.is_set():
            hand_over(generation.app, self.current.app)
        await generation.close()

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
