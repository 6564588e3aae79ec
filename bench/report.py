"""Prints results as Markdown (so a run can be pasted into BENCHMARKS.md) and keeps a copy."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def _emit(self, text: str = "") -> None:
        self.lines.append(text)
        print(text, flush=True)

    def section(self, title: str) -> None:
        self._emit()
        self._emit(f"## {title}")
        self._emit()

    def note(self, text: str) -> None:
        self._emit(text)
        self._emit()

    def table(self, headers: list[str], rows: list[list[Any]]) -> None:
        cells = [[str(c) for c in row] for row in rows]
        self._emit("| " + " | ".join(headers) + " |")
        self._emit("|" + "|".join("---" for _ in headers) + "|")
        for row in cells:
            self._emit("| " + " | ".join(row) + " |")
        self._emit()

    def progress(self, text: str) -> None:
        print(f"  .. {text}", file=sys.stderr, flush=True)

    def markdown(self) -> str:
        return "\n".join(self.lines) + "\n"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"
