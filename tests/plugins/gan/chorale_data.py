"""Chorale-like training data for the GAN and harmoniser tests."""

import numpy as np


def scale_chorales(n: int = 64, seed: int = 0) -> np.ndarray:
    """Segments ``[n, 4, 64]`` (int8 MIDI pitches): quarter notes on a C-major scale in four ranges."""
    rng = np.random.default_rng(seed)
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    out = np.zeros((n, 4, 64), np.int8)
    for i in range(n):
        for v, base in enumerate((72, 64, 55, 48)):
            for t in range(0, 64, 4):
                out[i, v, t:t + 4] = base + scale[rng.integers(0, 7)] - 7
    return out
