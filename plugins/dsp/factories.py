"""The factories of the DSP plugin's stages: each checks its options, then builds the stage."""

from __future__ import annotations

from typing import Any

import numpy as np
from sonitus import Audio
from sonitus.errors import ParameterError

from .stages import (
    AudioStage,
    FeatureStage,
    GriffinLimRenderer,
    SpectrogramStage,
    frames_counter,
    mel_options,
    spectral_options,
)

# -- preprocessors ------------------------------------------------------------------------


def normalize(mode: str = "peak", target_db: float = -1.0) -> AudioStage:
    """Scale to a peak or RMS level in dBFS (mode 'peak' or 'rms')."""
    if mode not in ("peak", "rms"):
        raise ParameterError(f"normalize: mode must be 'peak' or 'rms', not {mode!r}.")

    def apply(x, sr):
        from sonitus.dsp.levels import normalize as kernel

        return kernel(x.reshape(1, -1) if mode == "peak" else x, mode=mode, target_db=target_db).reshape(x.shape)

    return AudioStage("normalize", apply, {"mode": mode, "target_db": target_db})


def pre_emphasis(coef: float = 0.97) -> AudioStage:
    """Boost high frequencies: y[n] = x[n] - coef * x[n-1]."""
    if not 0 <= coef < 1:
        raise ParameterError(f"pre-emphasis: coef must be in [0, 1), not {coef}.")

    def apply(x, sr):
        from sonitus.dsp.filters import pre_emphasis as kernel

        return kernel(x, coef)

    return AudioStage("pre-emphasis", apply, {"coef": coef}, fusable=True)


def _butterworth(name: str, btype: str, cutoff: Any, order: int, zero_phase: bool) -> AudioStage:
    if int(order) < 1:
        raise ParameterError(f"{name}: order must be >= 1, not {order}.")

    def apply(x, sr):
        from sonitus.dsp.filters import butter_sos, sosfilt, sosfiltfilt

        sos = butter_sos(order, cutoff, btype, sr)
        return sosfiltfilt(sos, x) if zero_phase else sosfilt(sos, x)

    return AudioStage(name, apply, {"cutoff": cutoff, "order": order, "zero_phase": zero_phase},
                      fusable=not zero_phase)  # filtering backwards would read the batch's padding


def highpass(cutoff: float = 80.0, order: int = 4, zero_phase: bool = False) -> AudioStage:
    """Butterworth high-pass at cutoff Hz (any order; zero_phase filters forward and back)."""
    return _butterworth("highpass", "highpass", cutoff, order, zero_phase)


def lowpass(cutoff: float = 4000.0, order: int = 4, zero_phase: bool = False) -> AudioStage:
    """Butterworth low-pass at cutoff Hz (any order; zero_phase filters forward and back)."""
    return _butterworth("lowpass", "lowpass", cutoff, order, zero_phase)


def bandpass(low: float = 300.0, high: float = 3400.0, order: int = 4, zero_phase: bool = False) -> AudioStage:
    """Butterworth band-pass between low and high Hz."""
    return _butterworth("bandpass", "bandpass", (low, high), order, zero_phase)


def denoise_stage(n_std: float = 1.0, prop_decrease: float = 1.0, stationary: bool = True,
            noise: str | None = None) -> AudioStage:
    """Spectral-gating noise reduction (profile from quiet frames or a noise clip file)."""
    noise_audio = Audio.load(noise, mono=True) if noise is not None else None

    def apply(x, sr):
        from sonitus.dsp.denoise import denoise as kernel

        clip = None
        if noise_audio is not None:
            clip = noise_audio.resample(sr).mono
        return kernel(x, sample_rate=sr, noise=clip, n_std=n_std, prop_decrease=prop_decrease,
                      stationary=stationary)

    return AudioStage("denoise", apply, {"n_std": n_std, "prop_decrease": prop_decrease,
                                         "stationary": stationary, "noise": noise})


def trim(top_db: float = 40.0, pad_ms: float = 50.0) -> AudioStage:
    """Cut leading and trailing silence (frames more than top_db below the loudest)."""

    def apply(x, sr):
        from sonitus.dsp.vad import trim as kernel

        _, (start, end) = kernel(x.mean(axis=0), sample_rate=sr, top_db=top_db, pad_ms=pad_ms)
        return x[:, int(round(start * sr)):int(round(end * sr))]

    return AudioStage("trim", apply, {"top_db": top_db, "pad_ms": pad_ms})


def vad_stage(top_db: float = 40.0, min_silence_ms: float = 200.0, min_speech_ms: float = 100.0,
        pad_ms: float = 50.0) -> AudioStage:
    """Keep only the speech segments (energy-based), joined end to end."""

    def apply(x, sr):
        from sonitus.dsp.vad import speech_segments

        spans = speech_segments(x.mean(axis=0), sample_rate=sr, top_db=top_db, min_silence_ms=min_silence_ms,
                                min_speech_ms=min_speech_ms, pad_ms=pad_ms)
        parts = [x[:, int(round(s * sr)):int(round(e * sr))] for s, e in spans]
        return np.concatenate(parts, axis=1) if parts else x[:, :0]

    return AudioStage("vad", apply, {"top_db": top_db, "min_silence_ms": min_silence_ms,
                                     "min_speech_ms": min_speech_ms, "pad_ms": pad_ms})


# -- feature extractors ---------------------------------------------------------------------


def spectrogram(n_fft: int = 2048, hop_length: int | None = None, win_length: int | None = None,
                window: str = "hann") -> SpectrogramStage:
    """Linear STFT magnitude of the mono mix, as a Spectrogram."""
    hop, win = spectral_options(n_fft, hop_length, win_length)
    return SpectrogramStage(n_fft, hop, win, window)


def power_spectrogram(n_fft: int = 2048, hop_length: int | None = None, win_length: int | None = None,
                      power: float = 2.0, window: str = "hann") -> FeatureStage:
    """|STFT|**power as Features [frames, 1 + n_fft // 2]."""
    hop, win = spectral_options(n_fft, hop_length, win_length)

    def kernel(x, sr, lengths):
        from sonitus.dsp.features import power_spectrogram as k

        return k(x, lengths=lengths, n_fft=n_fft, hop_length=hop, win_length=win, power=power, window=window)

    return FeatureStage("power-spectrogram", "power", kernel, frames_counter(hop, True, n_fft), hop,
                        {"n_fft": n_fft, "hop_length": hop, "power": power})


def logmel(n_mels: int = 128, n_fft: int = 2048, hop_length: int | None = None, win_length: int | None = None,
           fmin: float = 0.0, fmax: float | None = None, htk: bool = False, top_db: float | None = 80.0,
           chunk: int = 8) -> FeatureStage:
    """Log-mel spectrogram in dB, Features [frames, n_mels] (librosa's defaults)."""
    hop, win = spectral_options(n_fft, hop_length, win_length)
    mel_options(n_mels)

    def kernel(x, sr, lengths):
        from sonitus.dsp.features import logmel as k

        return k(x, sample_rate=sr, lengths=lengths, n_fft=n_fft, hop_length=hop, win_length=win, n_mels=n_mels,
                 fmin=fmin, fmax=fmax, htk=htk, top_db=top_db)

    return FeatureStage("logmel", "logmel", kernel, frames_counter(hop, True, n_fft), hop,
                        {"n_mels": n_mels, "n_fft": n_fft, "hop_length": hop}, chunk=chunk)


def mfcc(n_mfcc: int = 20, n_mels: int = 128, n_fft: int = 2048, hop_length: int | None = None,
         win_length: int | None = None, fmin: float = 0.0, fmax: float | None = None, deltas: int = 0,
         cmvn: bool = False, lifter: float = 0.0, chunk: int = 8) -> FeatureStage:
    """MFCCs, optionally with deltas (1) or deltas and delta-deltas (2), and (cmvn) per-utterance
    mean and variance normalisation."""
    hop, win = spectral_options(n_fft, hop_length, win_length)
    mel_options(n_mels, n_mfcc)
    if deltas not in (0, 1, 2):
        raise ParameterError(f"mfcc: deltas must be 0, 1 or 2, not {deltas}.")

    def kernel(x, sr, lengths):
        import jax.numpy as jnp
        from sonitus.dsp.features import cmvn as mean_variance
        from sonitus.dsp.features import deltas as delta_kernel
        from sonitus.dsp.features import frame_lengths
        from sonitus.dsp.features import mfcc as k

        C = k(x, sample_rate=sr, lengths=lengths, n_mfcc=n_mfcc, n_mels=n_mels, n_fft=n_fft, hop_length=hop,
              win_length=win, fmin=fmin, fmax=fmax, lifter=lifter)
        valid = frame_lengths(lengths, hop_length=hop, n_fft=n_fft)
        if deltas and C.shape[-1] >= 9:
            parts = [C] + [delta_kernel(C, order=o, frame_lengths=valid) for o in range(1, deltas + 1)]
            C = jnp.concatenate(parts, axis=-2)
        elif deltas:
            C = jnp.concatenate([C] + [jnp.zeros_like(C)] * deltas, axis=-2)
        return mean_variance(C, frame_lengths=valid) if cmvn else C

    return FeatureStage("mfcc", "mfcc", kernel, frames_counter(hop, True, n_fft), hop,
                        {"n_mfcc": n_mfcc, "deltas": deltas, "cmvn": cmvn}, chunk=chunk)


def chroma(n_chroma: int = 12, n_fft: int = 2048, hop_length: int | None = None, tuning: float = 0.0) -> FeatureStage:
    """Chromagram, Features [frames, 12] (pitch class 0 = C), each frame peaking at 1."""
    hop, win = spectral_options(n_fft, hop_length, None)

    def kernel(x, sr, lengths):
        from sonitus.dsp.features import chroma as k

        return k(x, sample_rate=sr, n_chroma=n_chroma, n_fft=n_fft, hop_length=hop, tuning=tuning)

    return FeatureStage("chroma", "chroma", kernel, frames_counter(hop, True, n_fft), hop,
                        {"n_chroma": n_chroma, "n_fft": n_fft, "hop_length": hop})


def griffin_lim(n_iter: int = 32, momentum: float = 0.99, seed: int = 0, window: str = "hann") -> GriffinLimRenderer:
    """Render a magnitude Spectrogram to Audio by fast Griffin-Lim."""
    if n_iter < 1 or not 0 <= momentum < 1:
        raise ParameterError("griffin-lim: n_iter must be >= 1 and momentum in [0, 1).")
    return GriffinLimRenderer(n_iter, momentum, seed, window)
