"""Energy-based voice activity: frame levels, speech segments, trimming, and whether a clip sounds like speech."""

from __future__ import annotations

import numpy as np
from sonitus.errors import ParameterError
from sonitus.jit import lazy_jit

from .spectral import frame

__all__ = ["frame_db", "speech_segments", "trim", "sounds_like_speech"]


@lazy_jit(static_argnames=("frame_length", "hop_length"))
def _frame_db(x, frame_length, hop_length):
    import jax.numpy as jnp

    pad = [(0, 0)] * (x.ndim - 1) + [(frame_length // 2, frame_length // 2)]
    frames = frame(jnp.pad(x, pad), frame_length, hop_length)
    power = jnp.mean(frames ** 2, axis=-1)
    return 10 * jnp.log10(jnp.maximum(power, 1e-20))


def frame_db(x, *, frame_length: int = 2048, hop_length: int = 512):
    """Mean power of centred frames in dB ``[..., frames]`` (as ``librosa.feature.rms`` squared)."""
    import jax.numpy as jnp

    return _frame_db(jnp.asarray(x, jnp.float32), int(frame_length), int(hop_length))


def speech_segments(x, *, sample_rate: int, top_db: float = 40.0, frame_ms: float = 25.0,
                    hop_ms: float = 10.0, min_speech_ms: float = 100.0,
                    min_silence_ms: float = 200.0, pad_ms: float = 50.0) -> list[tuple[float, float]]:
    """Spans ``(start_s, end_s)`` where a mono signal is within ``top_db`` of its loudest frame.

    Gaps shorter than ``min_silence_ms`` are bridged, segments shorter than
    ``min_speech_ms`` dropped, and each kept span is widened by ``pad_ms`` on both sides.
    """
    x = np.asarray(x, np.float32)
    if x.ndim != 1:
        raise ParameterError("speech_segments needs a mono signal [samples]; call to_mono first.")
    if x.size == 0:
        return []
    frame_length = max(2, int(round(frame_ms / 1000 * sample_rate)))
    hop = max(1, int(round(hop_ms / 1000 * sample_rate)))
    db = np.asarray(frame_db(x, frame_length=frame_length, hop_length=hop))
    active = db > db.max() - top_db
    edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
    spans = [[s, e] for s, e in zip(edges[::2], edges[1::2])]
    merged: list[list[int]] = []
    gap = min_silence_ms / hop_ms
    for span in spans:
        if merged and span[0] - merged[-1][1] < gap:
            merged[-1][1] = span[1]
        else:
            merged.append(span)
    pad = pad_ms / 1000
    duration = x.size / sample_rate
    return [(max(0.0, s * hop / sample_rate - pad), min(duration, e * hop / sample_rate + pad))
            for s, e in merged if (e - s) * hop_ms >= min_speech_ms]


def trim(x, *, sample_rate: int, top_db: float = 40.0, pad_ms: float = 50.0) -> tuple[np.ndarray, tuple[float, float]]:
    """Cut leading and trailing silence of a mono signal; returns ``(trimmed, (start_s, end_s))``."""
    x = np.asarray(x, np.float32)
    segments = speech_segments(x, sample_rate=sample_rate, top_db=top_db, pad_ms=pad_ms, min_speech_ms=0,
                               min_silence_ms=0)
    if not segments:
        return x[:0], (0.0, 0.0)
    start, end = segments[0][0], segments[-1][1]
    return x[int(round(start * sample_rate)):int(round(end * sample_rate))], (start, end)


def sounds_like_speech(x, *, sample_rate: int, floor_db: float = -60.0, min_variation_db: float = 2.0) -> bool:
    """Whether a mono clip could hold speech: its peak is above ``floor_db`` dBFS, and the
    level of its 25 ms frames (those within 40 dB of the loudest) varies by at least
    ``min_variation_db`` (standard deviation). Syllables make speech rise and fall by 4-14 dB;
    a tone, a chirp, hum or steady noise stays within about 1.5 dB.
    """
    x = np.asarray(x, np.float32)
    if x.size == 0 or float(np.max(np.abs(x))) < 10 ** (floor_db / 20):
        return False
    frame = max(2, int(0.025 * sample_rate))
    levels = np.asarray(frame_db(x, frame_length=frame, hop_length=frame))
    loud = levels[levels > levels.max() - 40.0]
    return loud.size >= 4 and float(np.std(loud)) >= min_variation_db
