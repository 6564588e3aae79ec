"""Percentiles and summaries of latency samples."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank-interpolated percentile, ``q`` in [0, 100]."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(frozen=True)
class Summary:
    n: int
    p50: float
    p90: float
    p99: float
    min: float
    max: float

    @classmethod
    def of(cls, samples: list[float]) -> Summary:
        return cls(
            n=len(samples),
            p50=percentile(samples, 50),
            p90=percentile(samples, 90),
            p99=percentile(samples, 99),
            min=min(samples) if samples else float("nan"),
            max=max(samples) if samples else float("nan"),
        )

    def ms(self) -> str:
        """``p50 / p90 / p99 (min-max)`` in milliseconds."""
        return (
            f"{self.p50 * 1e3:7.2f} {self.p90 * 1e3:7.2f} {self.p99 * 1e3:7.2f}"
            f"  ({self.min * 1e3:.2f}-{self.max * 1e3:.2f})"
        )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def spread(values: list[float]) -> str:
    """Median and range of per-repeat figures, e.g. ``1.23 [1.10-1.40]``."""
    if not values:
        return "n/a"
    return f"{median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"
