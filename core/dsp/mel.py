"""Mel scale and filterbanks (Slaney and HTK), matching librosa's definitions.

These build constant matrices once per configuration (NumPy, cached); the kernels that
apply them are in :mod:`sonitus.dsp.features`.
"""

from __future__ import annotations

import functools

import numpy as np
from sonitus.errors import ParameterError

__all__ = ["hz_to_mel", "mel_to_hz", "mel_frequencies", "mel_filterbank", "dct_matrix"]

_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def hz_to_mel(hz: np.ndarray | float, *, htk: bool = False) -> np.ndarray:
    """Hertz to mels (Slaney's scale by default, HTK's with ``htk=True``)."""
    hz = np.asanyarray(hz, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + hz / 700.0)
    mels = hz / _F_SP
    return np.where(hz >= _MIN_LOG_HZ,
                    _MIN_LOG_MEL + np.log(np.maximum(hz, 1e-300) / _MIN_LOG_HZ) / _LOGSTEP, mels)


def mel_to_hz(mels: np.ndarray | float, *, htk: bool = False) -> np.ndarray:
    """Mels to hertz (inverse of :func:`hz_to_mel`)."""
    mels = np.asanyarray(mels, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    return np.where(mels >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (mels - _MIN_LOG_MEL)),
                    _F_SP * mels)


def mel_frequencies(n_mels: int, fmin: float, fmax: float, *, htk: bool = False) -> np.ndarray:
    """``n_mels`` frequencies (Hz) evenly spaced on the mel scale from ``fmin`` to ``fmax``."""
    mels = np.linspace(hz_to_mel(fmin, htk=htk), hz_to_mel(fmax, htk=htk), n_mels)
    return mel_to_hz(mels, htk=htk)


@functools.lru_cache(maxsize=64)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int = 128, fmin: float = 0.0,
                   fmax: float | None = None, *, htk: bool = False,
                   norm: str | None = "slaney") -> np.ndarray:
    """Triangular mel filters ``[n_mels, 1 + n_fft // 2]`` (float64, read-only).

    Args:
        sample_rate: audio rate (Hz).
        n_fft: FFT size.
        n_mels: number of filters.
        fmin, fmax: band edges in Hz (``fmax`` defaults to ``sample_rate / 2``).
        htk: use the HTK mel formula instead of Slaney's.
        norm: ``"slaney"`` scales each filter to unit area (librosa's default); ``None``
            leaves peaks at 1.
    """
    fmax = sample_rate / 2.0 if fmax is None else float(fmax)
    if not 0 <= fmin < fmax <= sample_rate / 2.0 + 1e-9:
        raise ParameterError(f"mel band must satisfy 0 <= fmin < fmax <= sample_rate/2; got "
                             f"fmin={fmin}, fmax={fmax}, sample_rate={sample_rate}.")
    if norm not in (None, "slaney"):
        raise ParameterError(f"mel norm must be 'slaney' or None, not {norm!r}.")
    fft_freqs = np.linspace(0.0, sample_rate / 2.0, 1 + n_fft // 2)
    mel_f = mel_frequencies(n_mels + 2, fmin, fmax, htk=htk)
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    if norm == "slaney":
        weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]
    weights.flags.writeable = False
    return weights


@functools.lru_cache(maxsize=16)
def dct_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Orthonormal DCT-II as a matrix ``[n_in, n_out]`` (``x @ D`` = ``scipy.fft.dct(x, norm='ortho')[:n_out]``)."""
    n = np.arange(n_in)[:, None]
    k = np.arange(n_out)[None, :]
    d = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * np.sqrt(2.0 / n_in)
    d[:, 0] /= np.sqrt(2.0)
    d.flags.writeable = False
    return d
