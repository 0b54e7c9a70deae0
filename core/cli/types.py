"""Option types that every command shares, so that a number is checked the same way everywhere:
in range, finite, an integer where one is meant, before any work starts.

>>> @click.option("--seed", type=SEED, default=0)                    # doctest: +SKIP
>>> @click.option("--temperature", type=finite(0.0, 5.0), default=1.0)  # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any

import click

__all__ = ["SEED", "finite", "count"]

#: a random seed: what NumPy and JAX accept (0 .. 2**32 - 1)
SEED = click.IntRange(0, 2**32 - 1)


def count(low: int = 1, high: int | None = None) -> click.IntRange:
    """A whole number from ``low`` to ``high`` (steps, iterations, workers, beams, ...)."""
    return click.IntRange(low, high)


class _Finite(click.ParamType):
    name = "number"

    def __init__(self, low: float | None, high: float | None) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number.", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            self.fail(f"{number:g} is not in the range {self._range()}.", param, ctx)
        return number

    def _range(self) -> str:
        low = "" if self.low is None else f"{self.low:g}<="
        high = "" if self.high is None else f"<={self.high:g}"
        return f"{low}x{high}"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return f"FLOAT RANGE [{self._range()}]" if self.low is not None or self.high is not None else "FLOAT"


def finite(low: float | None = None, high: float | None = None) -> click.ParamType:
    """A finite number (no nan, no inf) from ``low`` to ``high``."""
    return _Finite(low, high)
