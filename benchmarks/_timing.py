"""Shared timing helpers for the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def wall_times(function: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> list[float]:
    """Wall times of ``repeat`` calls of ``function()`` in seconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def median_time(function: Callable[[], object], *, repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``function()`` in seconds, after ``warmup`` untimed calls."""
    return statistics.median(wall_times(function, repeat=repeat, warmup=warmup))


def interleaved_times(functions: dict[str, Callable[[], object]], *, rounds: int = 7,
                      warmup: int = 1) -> dict[str, tuple[float, float]]:
    """``{name: (best, median)}`` wall times in seconds, the functions run in turn each round.

    On a shared or throttled machine the speed drifts over seconds; taking turns lets every
    function see the same drift, and the best time is the least disturbed one (as timeit
    advises)."""
    for function in functions.values():
        for _ in range(warmup):
            function()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(rounds):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: (min(t), statistics.median(t)) for name, t in times.items()}


def report(title: str, rows: dict[str, float], *, ours: str = "sonitus") -> None:
    """Print median times and the speed-up of ``ours`` against every other row."""
    print(f"\n{title}")
    base = rows[ours]
    for name, seconds in rows.items():
        ratio = "" if name == ours else f"   sonitus is {seconds / base:5.2f}x faster"
        print(f"  {name:<14} {seconds * 1000:9.1f} ms{ratio}")
