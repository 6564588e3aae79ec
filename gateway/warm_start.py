"""Warm starts: the upstream pages a hot query asks, asked before it executes.

A dashboard sends the same query again and again, and each execution asks the same
upstream pages. A cold page of 50 spent about a millisecond between the operation being
admitted and its first upstream call (graphql-core's set-up, the resolver, pagination
planning, the loaders' batch), time the upstreams could have spent answering.

So each runtime (one tenant's) keeps, per query (text, operation name, variables), the
pages its last execution asked. Once two executions in a row asked the same pages, the
next one asks them as soon as the gate has admitted it, and execution finds them in
flight (gateway/loaders.py ``warm``). Nothing is answered from here: every item still
comes from a read of this request, the same reads it would have made. Where the data
changed so that execution needs other pages, it asks those as usual; the pages asked
for nothing are the cost, once, since the query is then no longer steady and starts
cold until two executions agree again. Only queries, only a request's single operation
(a batch shares its loaders), and only what an execution without errors asked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from .lru import LRU

# Queries kept per runtime, weighed by their pages (a page of a few lists weighs 4-8).
PAGES_KEPT = 4096
MOST_PAGES = 64  # a query asking more is not kept: the look-ahead of a big traversal
# Steps of the event loop a page's call takes to reach the network once asked: the batch,
# each page's own task, the call's shared task. Yielding that many before execution lets
# the calls go out first; fewer only sends them later, never changes what is sent.
STEPS_TO_THE_NETWORK = 3


class WarmStarts:
    """The pages recent queries asked, and which of them are steady."""

    def __init__(self, budget: int = PAGES_KEPT) -> None:
        self._kept = LRU(budget, MOST_PAGES)

    @staticmethod
    def key(query: str, operation_name: str | None, variables: Mapping[str, Any] | None) -> bytes:
        """A digest, not the text: the kept queries weigh their pages, and a key as long
        as the document would let large distinct queries hold memory beyond that bound."""
        digest = hashlib.sha256(query.encode())
        digest.update(b"\x1f" + (operation_name or "").encode() + b"\x1f")
        digest.update(orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS))
        return digest.digest()

    def plan(self, key: bytes) -> tuple[Any, ...] | None:
        """The pages to ask now: what the last two executions of ``key`` both asked."""
        kept = self._kept.get(key)
        if kept is None:
            return None
        pages, steady = kept
        return pages if steady else None

    def record(self, key: bytes, asked: Sequence[Any]) -> None:
        """What an execution of ``key`` without errors asked, in order."""
        pages = tuple(asked)
        if not pages:
            self._kept.discard(key)
            return
        kept = self._kept.get(key)
        steady = kept is not None and kept[0] == pages
        self._kept.put(key, (pages, steady), len(pages))

    def __len__(self) -> int:
        return len(self._kept)
