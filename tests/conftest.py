"""Session-wide reporting: one line naming the tests a missing tool kept from running.

A skip for a missing program (Chromium, redis-server) is easy to miss among the dots, and a
green run without those tests proves less than CI's. The skip reasons come from
:func:`tests.system_tools.missing`; this hook counts them per tool and ends the session
with a single line saying what did not run and how to get it.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.system_tools import MISSING


def _reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return ""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        reason = _reason(report)
        if reason.startswith(MISSING):
            reasons[reason] += 1
    if not reasons:
        return
    parts = [
        f"{count} test(s) ({reason.removeprefix(MISSING + ' ')})"
        for reason, count in reasons.items()
    ]
    terminalreporter.write_line(
        f"NOT RUN, {sum(reasons.values())} test(s) for missing tools: " + " | ".join(parts),
        yellow=True,
        bold=True,
    )
