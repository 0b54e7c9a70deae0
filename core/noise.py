"""Coloured noise for data augmentation, shared by the trainers' data pipelines.

>>> import numpy as np
>>> from sonitus.noise import coloured
>>> rng = np.random.default_rng(0)
>>> pink = coloured(rng.standard_normal(16000), 1.0)   # unit standard deviation
"""

from __future__ import annotations

import numpy as np

__all__ = ["coloured"]


def coloured(white: np.ndarray, exponent: float) -> np.ndarray:
    """``white`` noise ``[samples]`` shaped to a power spectrum falling as ``1 / f ** exponent``
    (0 white, 1 pink, 2 brown), scaled to unit standard deviation (float64)."""
    n = len(white)
    spectrum = np.fft.rfft(white)
    frequency = np.maximum(np.arange(len(spectrum), dtype=np.float64), 1.0)
    shaped = np.fft.irfft(spectrum / frequency ** (exponent / 2), n)
    return shaped / (np.std(shaped) + 1e-12)
