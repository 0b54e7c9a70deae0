"""Fundamental frequency: the YIN estimator (de Cheveigné & Kawahara, 2002) in JAX.

Frames are centred (zero padded) and cut by :func:`sonitus.dsp.spectral.frame`;
the difference function comes from FFT autocorrelations, so a frame costs O(n log n).
"""

from __future__ import annotations

import numpy as np
from sonitus.errors import ParameterError
from sonitus.jit import lazy_jit

__all__ = ["yin", "note_f0"]


@lazy_jit(static_argnames=("frame_length", "hop_length", "min_period", "max_period"))
def _yin(x, threshold, frame_length, hop_length, min_period, max_period):
    import jax.numpy as jnp

    from .spectral import frame

    half = frame_length // 2
    frames = frame(jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)]), frame_length, hop_length)  # [..., T, N]
    w = half                                                                     # integration window
    n = 1 << int(np.ceil(np.log2(2 * frame_length)))
    spec = jnp.fft.rfft(frames, n)
    head = jnp.fft.rfft(frames[..., :w], n)
    # sum_j x[j] x[j + tau] over the window, for every lag tau
    cross = jnp.fft.irfft(jnp.conj(head) * spec, n)[..., :max_period + 1]
    energy = jnp.cumsum(jnp.pad(frames ** 2, [(0, 0)] * (frames.ndim - 1) + [(1, 0)]), axis=-1)
    lags = jnp.arange(max_period + 1)
    shifted = energy[..., lags + w] - energy[..., lags]                          # sum of x[j+tau]^2
    diff = energy[..., w:w + 1] + shifted - 2 * cross                            # d(tau)
    cumulative = jnp.cumsum(diff[..., 1:], axis=-1) / jnp.arange(1, max_period + 1)
    normalised = jnp.where(cumulative > 1e-10, diff[..., 1:] / jnp.maximum(cumulative, 1e-10), 1.0)  # silence: 1
    cmnd = jnp.concatenate([jnp.ones_like(diff[..., :1]), normalised], axis=-1)  # d'(tau)
    band = cmnd[..., min_period:max_period + 1]
    # the first local minimum under the threshold, else the global minimum
    is_min = jnp.concatenate([band[..., :-1] < band[..., 1:], jnp.ones_like(band[..., :1], bool)], axis=-1)
    below = (band < threshold) & is_min
    first = jnp.argmax(below, axis=-1)
    best = jnp.where(jnp.any(below, axis=-1), first, jnp.argmin(band, axis=-1))
    # parabolic interpolation around the chosen lag
    i = jnp.clip(best, 1, band.shape[-1] - 2)
    a, b, c = (jnp.take_along_axis(band, (i + k)[..., None], axis=-1)[..., 0] for k in (-1, 0, 1))
    shift = jnp.where(jnp.abs(a - 2 * b + c) > 1e-12, 0.5 * (a - c) / (a - 2 * b + c), 0.0)
    period = min_period + i + jnp.clip(shift, -1, 1)
    return period, jnp.take_along_axis(band, best[..., None], axis=-1)[..., 0]


def yin(x, *, sample_rate: int, fmin: float = 50.0, fmax: float = 2000.0, frame_length: int = 2048,
        hop_length: int | None = None, threshold: float = 0.1, return_aperiodicity: bool = False):
    """Fundamental frequency (Hz) of each frame of ``x`` ``[..., samples]`` -> ``[..., frames]``.

    Like ``librosa.yin``: every frame gets an estimate (silence included); with
    ``return_aperiodicity=True`` also the YIN dip ``[..., frames]`` (near 0: clearly periodic,
    near 1: noise), which tells voiced frames from the rest.
    """
    import jax.numpy as jnp

    hop = frame_length // 4 if hop_length is None else int(hop_length)
    if not 0 < fmin < fmax <= sample_rate / 2:
        raise ParameterError(f"yin: need 0 < fmin < fmax <= sample_rate / 2; got fmin={fmin}, fmax={fmax}.")
    min_period = max(2, int(np.floor(sample_rate / fmax)))
    max_period = int(np.ceil(sample_rate / fmin))
    # as librosa: the difference function sums over half a frame, so the longest lag must fit beside it
    if max_period > frame_length - frame_length // 2 - 1 or min_period + 3 > max_period:
        raise ParameterError(f"yin: frame_length {frame_length} is too short for fmin {fmin} Hz at "
                             f"{sample_rate} Hz; use at least {2 * max_period + 2}.")
    period, dip = _yin(jnp.asarray(x, jnp.float32), float(threshold), int(frame_length), hop, min_period,
                       max_period)
    f0 = sample_rate / period
    return (f0, dip) if return_aperiodicity else f0


def note_f0(x, *, sample_rate: int, fmin: float = 50.0, fmax: float = 2000.0, start: float = 0.05,
            end: float = 0.6) -> float:
    """One pitch (Hz) for a single note ``[samples]``: the median YIN estimate over the clearly
    periodic frames between ``start`` and ``end`` seconds (NaN when none is periodic)."""
    frame_length = 1 << int(np.ceil(np.log2(2 * sample_rate / fmin + 2)))
    hop = frame_length // 8
    f0, dip = yin(x, sample_rate=sample_rate, fmin=fmin, fmax=fmax, frame_length=frame_length,
                  hop_length=hop, return_aperiodicity=True)
    f0, dip = np.asarray(f0), np.asarray(dip)
    t = np.arange(len(f0)) * hop / sample_rate
    keep = (t >= start) & (t <= end) & (dip < 0.3)
    return float(np.median(f0[keep])) if keep.any() else float("nan")
