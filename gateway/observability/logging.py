"""Structured JSON logs: one object per line, the request id on each, credentials redacted.

``switchboard serve`` calls :func:`configure_logging`; the app itself never touches the
global logging setup (tests and embedding applications keep theirs). Settings come from
the environment: ``SWITCHBOARD_LOG_LEVEL`` (default ``INFO``) and ``SWITCHBOARD_LOG_FORMAT``
(``json``, the default, or ``text`` for a human at a terminal).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable
from typing import Any, TextIO

from .requestid import current_request_id

REDACTED = "[REDACTED]"

# Credentials that may appear in text however they got there: auth headers and key=value.
_PATTERNS = [
    re.compile(r"(?i)(\b(?:bearer|basic|token)\s+)[A-Za-z0-9._~+/=\-]{4,}"),
    re.compile(
        r"(?i)(\b(?:x-api-key|api[_-]?key|apikey|authorization|access[_-]?token|"
        r"secret|password|cursor[_-]?secret)\b[\"']?\s*[:=]\s*[\"']?)(?!bearer\s|basic\s)"
        r"[^\s\"',;&}]+"
    ),
]

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class Redactor:
    """Replaces known secret values and credential-looking text with ``[REDACTED]``."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, values: Iterable[str | None]) -> None:
        """Register secret values (API keys, the cursor secret) to scrub wherever they appear."""
        with self._lock:
            for value in values:
                if value and len(value) >= 4:
                    self._secrets.add(value)
                    # The same value as it appears inside a JSON string.
                    self._secrets.add(json.dumps(value)[1:-1])

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text


redact = Redactor()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, request_id, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or current_request_id()
        if rid:
            entry["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """Human-readable lines, still with the request id and still redacted."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return redact(super().format(record))


def configure_logging(
    level: str | None = None, fmt: str | None = None, stream: TextIO | None = None
) -> None:
    """Route every logger (ours, uvicorn's, libraries') to one redacting handler."""
    level = (level or os.environ.get("SWITCHBOARD_LOG_LEVEL") or "INFO").upper()
    fmt = (fmt or os.environ.get("SWITCHBOARD_LOG_FORMAT") or "json").lower()
    if fmt not in {"json", "text"}:
        raise ValueError(f"SWITCHBOARD_LOG_FORMAT must be json or text, not {fmt!r}")
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"SWITCHBOARD_LOG_LEVEL: unknown level {level!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's loggers: through our handler; its access log is replaced by ours.
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request URL at INFO; ours already does, with the request id.
    if logging.getLevelNamesMapping()[level] > logging.DEBUG:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("httpcore").setLevel(logging.WARNING)
