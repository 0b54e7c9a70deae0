"""How well four voices harmonise a melody (voice rolls ``[n, voices, steps]``, sixteenth steps).

- :func:`soprano_kept`: the share of the melody's sounding steps the soprano still sings.
- :func:`consonant_beat_rate`: the share of beats (every 4 steps) whose sounding voices make no
  second, seventh or tritone between any two of them and no fourth above the bass.
- :func:`parallel_rate`: parallel fifths and octaves (two voices moving the same way from a
  perfect fifth or octave/unison to the same interval) per 100 beat-to-beat transitions.
- :func:`harmonisation_report`: those, voice order and ranges (:mod:`.metrics`) of a set.
"""

from __future__ import annotations

import numpy as np

from .metrics import in_range_rate, voice_order_rate
from .rolls import REST, VOICES

__all__ = ["soprano_kept", "consonant_beat_rate", "parallel_rate", "harmonisation_report", "BEAT"]

#: sixteenth steps a beat (quarter note)
BEAT = 4
_DISSONANT = np.array([i in (1, 2, 6, 10, 11) for i in range(12)])


def soprano_kept(rolls: np.ndarray, melodies: np.ndarray) -> float:
    """The share of the steps where ``melodies`` ``[n, steps]`` sounds that the soprano sings the same pitch."""
    sounding = melodies != REST
    return float(np.mean(rolls[:, 0][sounding] == melodies[sounding])) if sounding.any() else 1.0


def _beats(rolls: np.ndarray) -> np.ndarray:
    """``[n, voices, beats]`` pitches on the beats, NaN where a voice rests."""
    on = rolls[:, :, ::BEAT].astype(float)
    return np.where(on == REST, np.nan, on)


def consonant_beat_rate(rolls: np.ndarray) -> float:
    """The share of beats with two or more voices sounding that are consonant (see the module)."""
    beats = _beats(rolls)
    voices = beats.shape[1]
    dissonant = np.zeros(beats.shape[::2], bool)
    with np.errstate(invalid="ignore"):
        for upper in range(voices):
            for lower in range(upper + 1, voices):
                both = ~np.isnan(beats[:, upper]) & ~np.isnan(beats[:, lower])
                interval = np.abs(np.nan_to_num(beats[:, upper] - beats[:, lower])).astype(int) % 12
                bad = _DISSONANT[interval]
                if lower == voices - 1:  # a fourth above the bass
                    bad |= interval == 5
                dissonant |= both & bad
    counted = (~np.isnan(beats)).sum(axis=1) >= 2
    return float(1.0 - dissonant[counted].mean()) if counted.any() else 1.0


def parallel_rate(rolls: np.ndarray) -> float:
    """Parallel fifths and octaves per 100 beat transitions (those with two or more voices sounding on both beats)."""
    beats = _beats(rolls)
    a, b = beats[:, :, :-1], beats[:, :, 1:]
    count = 0
    voices = beats.shape[1]
    with np.errstate(invalid="ignore"):
        for upper in range(voices):
            for lower in range(upper + 1, voices):
                before = a[:, upper] - a[:, lower]
                after = b[:, upper] - b[:, lower]
                move_u, move_l = b[:, upper] - a[:, upper], b[:, lower] - a[:, lower]
                perfect = ((np.abs(before) % 12 == 7) & (np.abs(after) % 12 == 7)) | \
                          ((np.abs(before) % 12 == 0) & (np.abs(after) % 12 == 0))
                same_way = (np.sign(move_u) == np.sign(move_l)) & (move_u != 0)
                count += int(np.sum(perfect & same_way))
    transitions = int(np.sum(((~np.isnan(a)).sum(axis=1) >= 2) & ((~np.isnan(b)).sum(axis=1) >= 2)))
    return 100.0 * count / transitions if transitions else 0.0


def harmonisation_report(rolls: np.ndarray, melodies: np.ndarray | None = None) -> dict:
    """Every harmonisation metric of ``rolls`` (``soprano_kept`` when ``melodies`` are given)."""
    out = {"consonant_beats": round(consonant_beat_rate(rolls), 4),
           "parallels_per_100": round(parallel_rate(rolls), 2),
           "voice_order": round(voice_order_rate(rolls), 4),
           "in_range": {v: round(float(r), 4) for v, r in zip(VOICES, in_range_rate(rolls))}}
    if melodies is not None:
        out = {"soprano_kept": round(soprano_kept(rolls, melodies), 4), **out}
    return out
