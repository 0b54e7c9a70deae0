"""Test signals for the DSP parity tests (generated, deterministic)."""

import numpy as np

SR = 16000


def sine(n=SR, f=440.0, sr=SR):
    return 0.5 * np.sin(2 * np.pi * f * np.arange(n) / sr)


def chirp(n=SR, sr=SR):
    t = np.arange(n) / sr
    return 0.4 * np.sin(2 * np.pi * (100 * t + 3000 * t ** 2))


def white(n=SR, seed=0):
    return 0.1 * np.random.default_rng(seed).standard_normal(n)


def pink(n=SR, seed=1):
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
    x = np.fft.irfft(spectrum, n)
    return 0.3 * x / np.max(np.abs(x))


def silence(n=SR):
    return np.zeros(n)


def clipped(n=SR):
    return np.clip(2.0 * sine(n, 330.0), -0.8, 0.8)


SIGNALS = {
    "sine": sine(),
    "chirp": chirp(),
    "white": white(),
    "pink": pink(),
    "silence": silence(),
    "clipped": clipped(),
    "odd-length": white(12345, seed=3),
}


def speech_like(seconds=3.0, sr=SR, seed=0):
    """Voiced, formant-shaped harmonics in syllables with pauses."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t) + 10 * np.sin(2 * np.pi * 3.1 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    sig = np.zeros(n)
    for h in range(1, 25):
        f = h * f0
        env = (np.exp(-((f - 500) / 300) ** 2) + 0.6 * np.exp(-((f - 1500) / 400) ** 2)
               + 0.3 * np.exp(-((f - 2500) / 500) ** 2))
        sig += env * np.sin(h * phase) / h ** 0.3
    sig *= np.clip(np.sin(2 * np.pi * 3.5 * t), 0, None) ** 0.7
    sig *= (np.sin(2 * np.pi * 0.4 * t) > -0.5)
    return (0.5 * sig / np.max(np.abs(sig))).astype(np.float32)
