"""Key and chords from pitch-class profiles (chroma or note histograms).

- :func:`estimate_key`: Krumhansl-Schmuckler: the major or minor key whose Krumhansl-Kessler
  probe-tone profile correlates best with a 12-bin pitch-class histogram.
- :func:`chord_labels`: per-segment major, minor and dominant-seventh labels by template matching
  of mean chroma (cosine similarity), ``N`` where there is no pitch energy.
"""

from __future__ import annotations

import numpy as np
from sonitus.errors import ParameterError

__all__ = ["NOTE_NAMES", "estimate_key", "key_name", "chord_labels", "segment_means"]

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# Krumhansl & Kessler (1982) probe-tone ratings, from the tonic
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_CHORDS = {"": (0, 4, 7), "m": (0, 3, 7), "7": (0, 4, 7, 10)}


def estimate_key(histogram) -> tuple[int, str, float]:
    """``(tonic pitch class, 'major' | 'minor', correlation)`` of a pitch-class histogram ``[12]``
    (pitch class 0 = C): chroma summed over time, or note durations by pitch class."""
    h = np.asarray(histogram, np.float64)
    if h.shape != (12,):
        raise ParameterError(f"estimate_key takes a 12-bin pitch-class histogram, not shape {h.shape}.")
    best = (-2.0, 0, "major")
    if np.ptp(h) == 0:
        return 0, "major", 0.0
    for tonic in range(12):
        for mode, profile in (("major", _MAJOR), ("minor", _MINOR)):
            r = float(np.corrcoef(h, np.roll(profile, tonic))[0, 1])
            if r > best[0]:
                best = (r, tonic, mode)
    return best[1], best[2], best[0]


def key_name(tonic: int, mode: str) -> str:
    """'Bb major', 'F# minor': the name mir_eval's key scores read."""
    return f"{NOTE_NAMES[tonic % 12]} {mode}"


def segment_means(features: np.ndarray, bounds) -> np.ndarray:
    """Mean of ``features`` ``[frames, dims]`` between consecutive frame ``bounds`` -> ``[segments, dims]``
    (a segment with no frame takes the frame at its start)."""
    features = np.asarray(features)
    bounds = np.clip(np.asarray(bounds, int), 0, len(features))
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        out.append(features[a:b].mean(axis=0) if b > a else features[min(a, len(features) - 1)])
    return np.array(out).reshape(-1, features.shape[1])


def chord_labels(chroma: np.ndarray, *, energy=None, floor: float = 0.1) -> list[str]:
    """A label per row of ``chroma`` ``[segments, 12]``: 'C', 'Am', 'G7', ... or 'N' (no chord)
    where the segment's ``energy`` (e.g. RMS; default: its strongest chroma bin) is under
    ``floor`` times the loudest segment's."""
    chroma = np.asarray(chroma, np.float64)
    if chroma.ndim != 2 or chroma.shape[1] != 12:
        raise ParameterError(f"chord_labels takes chroma [segments, 12], not shape {chroma.shape}.")
    names, templates = [], []
    for root in range(12):
        for suffix, steps in _CHORDS.items():
            t = np.zeros(12)
            t[[(root + s) % 12 for s in steps]] = 1
            names.append(NOTE_NAMES[root] + suffix)
            templates.append(t / np.linalg.norm(t))
    templates = np.array(templates)
    peak = chroma.max(axis=1) if energy is None else np.asarray(energy, np.float64)
    loudest = peak.max() if chroma.size else 0.0
    norms = np.linalg.norm(chroma, axis=1, keepdims=True)
    scores = (chroma / np.where(norms > 0, norms, 1)) @ templates.T
    return ["N" if loudest <= 0 or p < floor * loudest else names[int(i)]
            for p, i in zip(peak, np.argmax(scores, axis=1))]
