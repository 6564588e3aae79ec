"""Which media type a response is sent as, from the request's ``Accept`` header.

``application/graphql-response+json`` (the spec's own type) when the client accepts it at
least as much as ``application/json``; ``application/json`` for ``*/*``, ``application/*``,
a missing header, or an explicit preference (the legacy rules, which keep 200 for request
errors). None: the client accepts neither (406).
"""

from __future__ import annotations

from functools import lru_cache

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _ranges(accept: str) -> list[tuple[str, float]]:
    """``(media range, q)`` of every range whose charset, if given, is UTF-8."""
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        charset_ok = True
        for param in params:
            key, _, value = param.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"').lower()
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
            elif key == "charset":
                charset_ok = value in ("utf-8", "utf8")
        if media and charset_ok:
            ranges.append((media.lower(), q))
    return ranges


# Clients send the same few headers again and again; longer ones are not kept, so what
# the cache holds stays small whatever a client sends.
_KEPT_LENGTH = 256


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither."""
    if not accept or not accept.strip():
        return JSON
    return _known(accept) if len(accept) <= _KEPT_LENGTH else _negotiate(accept)


@lru_cache(maxsize=128)
def _known(accept: str) -> str | None:
    return _negotiate(accept)


def _negotiate(accept: str) -> str | None:
    best: dict[str, float] = {GRAPHQL_RESPONSE: 0.0, JSON: 0.0}
    for media, q in _ranges(accept):
        if media == GRAPHQL_RESPONSE:
            best[GRAPHQL_RESPONSE] = max(best[GRAPHQL_RESPONSE], q)
        elif media in (JSON, "application/*", "*/*"):
            best[JSON] = max(best[JSON], q)
    if best[GRAPHQL_RESPONSE] > 0 and best[GRAPHQL_RESPONSE] >= best[JSON]:
        return GRAPHQL_RESPONSE
    if best[JSON] > 0:
        return JSON
    return None
