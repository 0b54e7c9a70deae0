"""pYIN over whole recordings: mono, in fixed-size chunks (one compilation, bounded memory).

>>> f0, voiced, prob = track_pitch(audio)                     # doctest: +SKIP  [frames] each, hop 512
"""

from __future__ import annotations

import numpy as np
from sonitus import Audio

__all__ = ["track_pitch", "frame_length_for", "CHUNK"]

#: samples pYIN sees at once; longer audio is cut into chunks this long (plus a frame of context)
CHUNK = 1 << 20


def frame_length_for(sample_rate: float, fmin: float, shortest: int = 2048) -> int:
    """librosa's 2048-sample frames, doubled until two periods of ``fmin`` fit in one (the
    difference function compares half a frame with a copy up to a period later, as librosa's
    ``yin`` requires): 4096 for a 30 Hz floor at 44.1 kHz (a five-string bass's low B)."""
    n = int(shortest)
    while sample_rate / fmin > n - n // 2 - 1:
        n *= 2
    return n


def track_pitch(audio: Audio, *, fmin: float = 65.4, fmax: float = 2093.0, frame_length: int | None = None,
                hop_length: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(f0 Hz, NaN where unvoiced; voiced; voiced probability)``, each ``[frames]``, of the mono
    mix of ``audio`` at its own rate: librosa's ``pyin`` frames (centred; ``frame_length`` by
    default :func:`frame_length_for` the rate and ``fmin``, ``hop_length`` ``frame_length // 4``).
    Audio longer than :data:`CHUNK` samples runs chunk by chunk (each with a frame of real
    context either side); the voicing path restarts at each chunk."""
    from sonitus.dsp.pitch import pyin
    from sonitus.jit import bucket_length

    frame_length = frame_length or frame_length_for(audio.sample_rate, fmin)
    hop = frame_length // 4 if hop_length is None else int(hop_length)
    x = audio.mono.astype(np.float32)
    frames = 1 + len(x) // hop
    options = {"sample_rate": audio.sample_rate, "fmin": fmin, "fmax": fmax, "frame_length": frame_length,
               "hop_length": hop}
    if len(x) <= CHUNK:
        size = bucket_length(len(x), sizes=[1 << k for k in range(14, 21)], step=CHUNK)
        f0, voiced, prob = pyin(np.pad(x, (0, size - len(x))), **options)
        return f0[:frames], voiced[:frames], prob[:frames]
    step = CHUNK - CHUNK % hop                                        # chunks start on frame boundaries
    margin = -(-frame_length // hop) * hop
    pieces = []
    for start in range(0, len(x), step):
        lo, hi = max(0, start - margin), min(len(x), start + step + margin)
        chunk = np.pad(x[lo:hi], (0, CHUNK + 2 * margin - (hi - lo)))
        f0, voiced, prob = pyin(chunk, **options)
        first = (start - lo) // hop
        count = min(step // hop, frames - start // hop)
        pieces.append((f0[first:first + count], voiced[first:first + count], prob[first:first + count]))
    return tuple(np.concatenate(p) for p in zip(*pieces))
