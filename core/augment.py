"""Data augmentation for the speech trainers: the corruptions each trainer composes into its
own policy (the CTC trainer's is strong, the word HMMs' mild). Waveforms are float ``[samples]``.

>>> import numpy as np
>>> from sonitus.augment import add_noise, coloured, pad_silence
>>> rng = np.random.default_rng(0)
>>> pink = coloured(rng.standard_normal(16000), 1.0)            # unit standard deviation
>>> noisy = add_noise(pad_silence(speech, 800, 1600), pink[:len(speech) + 2400], snr_db=20)  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

__all__ = ["coloured", "add_noise", "pad_silence", "speed", "room_response", "reverberate"]


def coloured(white: np.ndarray, exponent: float) -> np.ndarray:
    """``white`` noise ``[samples]`` shaped to a power spectrum falling as ``1 / f ** exponent``
    (0 white, 1 pink, 2 brown), scaled to unit standard deviation (float64)."""
    n = len(white)
    spectrum = np.fft.rfft(white)
    frequency = np.maximum(np.arange(len(spectrum), dtype=np.float64), 1.0)
    shaped = np.fft.irfft(spectrum / frequency ** (exponent / 2), n)
    return shaped / (np.std(shaped) + 1e-12)


def add_noise(x: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``x`` plus ``noise`` (as long as ``x``) scaled so that its power is ``snr_db`` below ``x``'s
    (float32)."""
    power = np.mean(x ** 2) + 1e-10
    noise_power = np.mean(np.square(noise, dtype=np.float64)) + 1e-20
    return (x + noise * np.sqrt(power / noise_power / 10 ** (snr_db / 10))).astype(np.float32)


def pad_silence(x: np.ndarray, lead: int, trail: int) -> np.ndarray:
    """``x`` with ``lead`` samples of silence before it and ``trail`` after."""
    return np.concatenate([np.zeros(lead, np.float32), np.asarray(x, np.float32), np.zeros(trail, np.float32)])


def speed(x: np.ndarray, factor: float, sample_rate: int) -> np.ndarray:
    """``x`` played ``factor`` times faster (pitch and formants move with it, like VTLP), at its
    own rate: the length becomes ``len(x) / factor``."""
    import soxr

    return soxr.resample(x, sample_rate * factor, sample_rate, quality="LQ").astype(np.float32)


def room_response(rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """A synthetic room impulse response: exponentially decaying noise (RT60 0.15-0.6 s) after a
    direct path, at unit energy."""
    rt60 = rng.uniform(0.15, 0.6)
    n = int(rt60 * sample_rate)
    t = np.arange(n) / sample_rate
    rir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    rir[0] = 1.0 / rng.uniform(0.2, 1.0)  # direct path
    return rir / np.sqrt(np.sum(rir ** 2))


def reverberate(x: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """``x`` heard in the room of impulse response ``rir`` (cut to ``x``'s length)."""
    from scipy.signal import fftconvolve

    return fftconvolve(x, rir)[: len(x)].astype(np.float32)
