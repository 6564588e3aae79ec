"""Operations: request ids, structured JSON logs, Prometheus metrics and health checks."""

from __future__ import annotations

from .requestid import REQUEST_ID_HEADER, current_request_id

__all__ = ["REQUEST_ID_HEADER", "current_request_id"]
