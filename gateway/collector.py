"""Tuning CPython's garbage collector for a long-running server.

After start-up the heap holds tens of thousands of long-lived objects (the schema, the
app, clients, emulators in demo mode); every young-generation collection that reaches the
oldest generation walks them again. ``gc.freeze()`` moves them out of the collector's
sight, and a higher first threshold makes collections rarer: a request allocates many
short-lived objects, most freed by reference counting, so frequent young collections only
cost time (BENCHMARKS.md, Collector). Reload (gateway/reload.py) unfreezes, collects and
freezes again, so an old generation is still freed.
"""

from __future__ import annotations

import gc

# Allocations between young collections (CPython's default is 700 on 3.11, 2000 on 3.13).
YOUNG_THRESHOLD = 20_000


def tune_for_serving() -> None:
    """Collect what start-up left, freeze the survivors, and collect less often."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
