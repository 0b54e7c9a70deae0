"""Helpers for testing sonitus plugins.

>>> from sonitus import hookimpl
>>> from sonitus.testing import make_registry
>>> class Louder:
...     @hookimpl
...     def register_preprocessors(self, register):
...         register("louder", lambda: (lambda audio: audio))
>>> "louder" in make_registry(Louder())
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .audio import Audio
from .registry import Registry, set_registry

__all__ = ["make_registry", "use_registry", "sine", "noise"]


def make_registry(*plugins: Any, builtins: bool = False, entry_points: bool = False) -> Registry:
    """A registry built from the given plugin objects or modules only (plus built-ins if asked).

    Plugins may be given as objects or ``(name, object)`` pairs. The environment's
    ``SONITUS_*`` variables are ignored so that tests do not depend on them.
    """
    return Registry(plugins, builtins=builtins, entry_points=entry_points, environ={})


@contextlib.contextmanager
def use_registry(registry: Registry) -> Iterator[Registry]:
    """Make ``registry`` the process-wide one (what the DSL uses) inside a ``with`` block."""
    old = set_registry(registry)
    try:
        yield registry
    finally:
        set_registry(old)


def sine(frequency: float = 440.0, *, seconds: float = 1.0, sample_rate: int = 16000,
         amplitude: float = 0.5, channels: int = 1) -> Audio:
    """A sine tone as an :class:`Audio` clip."""
    t = np.arange(int(round(seconds * sample_rate))) / sample_rate
    wave = (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
    return Audio(np.tile(wave, (channels, 1)), sample_rate)


def noise(*, seconds: float = 1.0, sample_rate: int = 16000, amplitude: float = 0.1,
          channels: int = 1, seed: int = 0) -> Audio:
    """Gaussian white noise as an :class:`Audio` clip."""
    rng = np.random.default_rng(seed)
    frames = int(round(seconds * sample_rate))
    return Audio((amplitude * rng.standard_normal((channels, frames))).astype(np.float32), sample_rate)
