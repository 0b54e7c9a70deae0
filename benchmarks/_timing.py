"""Shared timing helpers for the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(function: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``function()`` in seconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(title: str, rows: dict[str, float], *, ours: str = "sonitus") -> None:
    """Print median times and the speed-up of ``ours`` against every other row."""
    print(f"\n{title}")
    base = rows[ours]
    for name, seconds in rows.items():
        ratio = "" if name == ours else f"   sonitus is {seconds / base:5.2f}x faster"
        print(f"  {name:<14} {seconds * 1000:9.1f} ms{ratio}")
