"""Run the benchmarks: ``python bench/run.py [--scenarios a,b] [--big] [--out FILE]``."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``gateway`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.launcher import cluster, machine_busy
from bench.report import Report
from bench.scenarios import SCENARIOS, Options


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def background_busy(seconds: float = 2.0) -> float:
    """% of all CPUs busy with other work: the benchmark shares the machine with it."""
    busy0, total0 = machine_busy()
    time.sleep(seconds)
    busy1, total1 = machine_busy()
    return 100 * (busy1 - busy0) / (total1 - total0) if total1 > total0 else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per load run")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--reloads", type=int, default=100, help="SIGHUPs in the reload scenario")
    parser.add_argument("--numbers", type=int, default=40, help="numbers per provider")
    parser.add_argument("--assistants", type=int, default=10, help="assistants per provider")
    parser.add_argument("--big", action="store_true", help="more repeats and longer runs")
    parser.add_argument("--out", help="also write the Markdown report here")
    parser.add_argument("--json", help="also write the raw figures here")
    args = parser.parse_args()
    opts = Options(
        repeats=args.repeats,
        iterations=args.iterations,
        duration=args.duration,
        concurrency=tuple(int(c) for c in args.concurrency.split(",")),
        workers=tuple(int(w) for w in args.workers.split(",")),
        reloads=args.reloads,
    )
    if args.big:
        opts.repeats, opts.iterations, opts.duration = 10, 50, 10.0
        opts.concurrency, opts.memory_phases = (1, 8, 32, 64), 10
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(unknown)} (have {', '.join(SCENARIOS)})")

    report = Report()
    report.note(f"# Switchboard benchmarks\n\nMachine: {machine()}")
    report.note(f"CPU busy before the run (2 s, nothing of ours running): {background_busy():.0f}%")
    report.note(f"Command: `{' '.join(['python', *sys.argv])}`")
    started = time.monotonic()
    with cluster(numbers=args.numbers, assistants=args.assistants) as c:
        for name in names:
            asyncio.run(SCENARIOS[name](c, opts, report))
    report.note(f"Total bench time: {time.monotonic() - started:.0f} s")
    report.note(f"CPU busy after the run (2 s): {background_busy():.0f}%")
    if args.out:
        Path(args.out).write_text(report.markdown())
    if args.json:
        Path(args.json).write_text(json.dumps(report.data, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
