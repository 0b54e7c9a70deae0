"""Key and chords from pitch-class profiles (chroma or note histograms).

- :func:`estimate_key`: the Krumhansl-Schmuckler method: the major or minor key whose key profile
  correlates best with a 12-bin pitch-class histogram. The default profiles are Temperley's
  (Kostka-Payne corpus), which read tonal music better than Krumhansl-Kessler's probe-tone ratings
  (``profile="krumhansl"``): weighted key score 0.87 vs 0.65 from the notes of benchmarks/listen.py's
  melodies.
- :func:`pitch_class_profile`: what :func:`estimate_key` reads from audio: STFT power pooled into
  semitone bins (C1-B7), log-compressed, folded into 12 pitch classes. The log keeps a loud
  note's overtones (its fifth and third above) from outweighing the quieter notes of the key, the
  bias that puts plain STFT chroma a fifth too high (key score 0.86 vs 0.78 on benchmarks/listen.py).
- :func:`chord_levels`, :func:`chord_chroma`, :func:`bass_chroma` and :func:`chord_labels`: what
  the chords are read from (log-compressed semitones, the melody's note turned down, less each
  note's third harmonic; folded over the accompaniment's range; the bass note) and per-segment
  major, minor and dominant-seventh labels: cosine similarity with templates and the bass note
  for the root, smoothed over segments by a Viterbi path, ``N`` where there is no pitch energy.
- :func:`semitone_power`: the STFT power in semitone bins that both read.
"""

from __future__ import annotations

import numpy as np
from sonitus.errors import ParameterError

from .spectral import stft

__all__ = ["NOTE_NAMES", "PROFILES", "semitone_power", "pitch_class_profile", "estimate_key", "key_name", "chord_levels",
           "chord_chroma", "bass_chroma", "chord_labels", "segment_means"]

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
#: (major, minor) key profiles from the tonic: Krumhansl & Kessler's (1982) probe-tone ratings and
#: Temperley's (2007) pitch-class frequencies in the Kostka-Payne corpus
PROFILES = {
    "krumhansl": (np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]),
                  np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])),
    "temperley": (np.array([0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400]),
                  np.array([0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330])),
}
_CHORDS = {"": (0, 4, 7), "m": (0, 3, 7), "7": (0, 4, 7, 10)}


def semitone_power(x, *, sample_rate: int, n_fft: int = 8192, hop_length: int = 2048) -> np.ndarray:
    """STFT power of ``x`` ``[samples]`` summed into semitone bins: ``[frames, 108]``, column ``m`` is
    MIDI note ``m`` (the columns below C1 = 24 stay zero). Computed a block at a time, so an hour of
    audio needs memory for the result only."""
    import jax.numpy as jnp

    x = np.asarray(x, np.float32)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    midi = np.round(69 + 12 * np.log2(np.maximum(freqs, 1e-6) / 440.0)).astype(int)
    inside = (midi >= 24) & (midi < 108)
    chunk = hop_length * 512
    pieces = []
    for start in range(0, max(len(x), 1), chunk):
        power = np.asarray(jnp.abs(stft(jnp.asarray(x[start:start + chunk]), n_fft=n_fft, hop_length=hop_length))
                           ** 2).T
        semitones = np.zeros((power.shape[0], 108), np.float32)
        np.add.at(semitones.T, midi[inside], power[:, inside].T)
        pieces.append(semitones)
    return np.concatenate(pieces)


def pitch_class_profile(x, *, sample_rate: int, n_fft: int = 8192, hop_length: int = 2048,
                        weights=None) -> np.ndarray:
    """Pitch-class histogram ``[12]`` (C first) of a recording ``x`` ``[samples]``: per frame, STFT power
    summed into semitone bins from C1 to B7, ``log(1 + 100 * power / peak)``, summed over frames
    (times ``weights`` ``[frames]`` when given, e.g. to skip quiet frames) and folded by octave."""
    semitones = semitone_power(x, sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length).astype(np.float64)
    peak = semitones.max()
    if peak <= 0:
        return np.zeros(12)
    compressed = np.log1p(100.0 * semitones / peak)
    if weights is not None:
        compressed = compressed * np.asarray(weights, np.float64)[:len(compressed), None]
    return np.array([compressed[:, p::12].sum() for p in range(12)])


def chord_levels(semitones: np.ndarray, *, overtone: float = 0.3, lead: float = 0.3,
                 lead_from: int = 60) -> np.ndarray:
    """What chords are read from: :func:`semitone_power` ``[frames, 108]`` as ``log(1 + 1000 * power /
    peak)`` per note, less ``overtone`` times the note an octave and a fifth below (its third
    harmonic, which otherwise adds a fifth to every chord), with each frame's loudest note from MIDI
    ``lead_from`` (C4) up, and its octaves, first scaled by ``lead`` (a melody's note, often not the
    chord's; ``lead=1`` keeps it). ``[frames, 108]``."""
    power = np.array(semitones, np.float32)
    if lead != 1.0 and power.shape[1] > lead_from:
        top = lead_from + np.argmax(power[:, lead_from:], axis=1)
        rows = np.arange(len(power))
        for octave in range(0, power.shape[1], 12):
            inside = top + octave < power.shape[1]
            power[rows[inside], top[inside] + octave] *= lead
    level = np.log1p(1000.0 * power / max(float(power.max()), 1e-30))
    for m in range(level.shape[1] - 19):
        level[:, m + 19] = np.maximum(level[:, m + 19] - overtone * level[:, m], 0.0)
    return level


def chord_chroma(levels: np.ndarray, *, low: int = 28, high: int = 84) -> np.ndarray:
    """Chroma ``[rows, 12]`` of :func:`chord_levels` ``[rows, 108]``: MIDI notes ``low`` to ``high - 1``
    (E1 to B5: above them sit mostly the melody and overtones) folded by octave."""
    inside = np.zeros_like(levels)
    inside[:, low:high] = levels[:, low:high]
    return np.stack([inside[:, p::12].sum(axis=1) for p in range(12)], axis=1)


def bass_chroma(levels: np.ndarray, *, low: int = 28, high: int = 55, fraction: float = 0.5) -> np.ndarray:
    """The bass note's pitch class, one-hot ``[rows, 12]``, of :func:`chord_levels` ``[rows, 108]``
    (e.g. per-beat medians): the lowest note from MIDI ``low`` to ``high - 1`` (E1 to F#3) at least
    ``fraction`` of the loudest there; a row of zeros where that range is silent."""
    region = np.asarray(levels)[:, low:high]
    out = np.zeros((len(region), 12))
    loudest = region.max(axis=1)
    for row, (notes, peak) in enumerate(zip(region, loudest)):
        if peak > 0:
            out[row, (low + int(np.argmax(notes >= fraction * peak))) % 12] = 1.0
    return out


def estimate_key(histogram, *, profile: str = "temperley") -> tuple[int, str, float]:
    """``(tonic pitch class, 'major' | 'minor', correlation)`` of a pitch-class histogram ``[12]``
    (pitch class 0 = C): chroma summed over time, or note durations by pitch class. ``profile``:
    a name in :data:`PROFILES`."""
    h = np.asarray(histogram, np.float64)
    if h.shape != (12,):
        raise ParameterError(f"estimate_key takes a 12-bin pitch-class histogram, not shape {h.shape}.")
    if profile not in PROFILES:
        raise ParameterError(f"Unknown key profile {profile!r}: choose one of {', '.join(PROFILES)}.")
    major, minor = PROFILES[profile]
    best = (-2.0, 0, "major")
    if np.ptp(h) == 0:
        return 0, "major", 0.0
    for tonic in range(12):
        for mode, weights in (("major", major), ("minor", minor)):
            r = float(np.corrcoef(h, np.roll(weights, tonic))[0, 1])
            if r > best[0]:
                best = (r, tonic, mode)
    return best[1], best[2], best[0]


def key_name(tonic: int, mode: str) -> str:
    """'Bb major', 'F# minor': the name mir_eval's key scores read."""
    return f"{NOTE_NAMES[tonic % 12]} {mode}"


def segment_means(features: np.ndarray, bounds, *, statistic: str = "mean") -> np.ndarray:
    """Mean (or ``statistic="median"``) of ``features`` ``[frames, dims]`` between consecutive frame
    ``bounds`` -> ``[segments, dims]`` (a segment with no frame takes the frame at its start). The
    median leaves out short loud events, such as a drum hit on the beat."""
    if statistic not in ("mean", "median"):
        raise ParameterError(f"segment_means takes statistic 'mean' or 'median', not {statistic!r}.")
    reduce = np.mean if statistic == "mean" else np.median
    features = np.asarray(features)
    bounds = np.clip(np.asarray(bounds, int), 0, len(features))
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        out.append(reduce(features[a:b], axis=0) if b > a else features[min(a, len(features) - 1)])
    return np.array(out).reshape(-1, features.shape[1])


def _chord_templates() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Names, root pitch classes and unit-norm templates ``[36, 12]`` of the chords labelled."""
    names, roots, templates = [], [], []
    for root in range(12):
        for suffix, steps in _CHORDS.items():
            t = np.zeros(12)
            t[[(root + s) % 12 for s in steps]] = 1
            names.append(NOTE_NAMES[root] + suffix)
            roots.append(root)
            templates.append(t / np.linalg.norm(t))
    return names, np.array(roots), np.array(templates)


def _viterbi(scores: np.ndarray, stay: float) -> np.ndarray:
    """The most likely state per row of ``scores`` ``[steps, states]`` (log-likelihoods) when a step
    keeps its state with probability ``stay`` and moves to each other one alike."""
    steps, states = scores.shape
    move = np.log((1.0 - stay) / (states - 1))
    best = scores[0].copy()
    back = np.zeros((steps, states), int)
    others = np.arange(states)
    for t in range(1, steps):
        # from every state but the best the best move comes from the best; into the best, from the runner-up
        order = np.argsort(best)
        came = np.where(others == order[-1], order[-2], order[-1])
        moved = best[came] + move
        stays = best + np.log(stay)
        back[t] = np.where(stays >= moved, others, came)
        best = np.maximum(stays, moved) + scores[t]
    path = np.zeros(steps, int)
    path[-1] = int(np.argmax(best))
    for t in range(steps - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def chord_labels(chroma: np.ndarray, *, energy=None, floor: float = 0.1, stay: float = 0.8,
                 sharpness: float = 30.0, bass=None, bass_weight: float = 0.1) -> list[str]:
    """A label per row of ``chroma`` ``[segments, 12]`` (e.g. one row per beat): 'C', 'Am', 'G7', ... or
    'N' (no chord) where the segment's ``energy`` (e.g. RMS; default: its strongest chroma bin) is
    under ``floor`` times the loudest segment's.

    Each label's score is the cosine similarity of the row with its template, plus ``bass_weight``
    times ``bass`` ``[segments, 12]`` (e.g. :func:`bass_chroma`) at the label's root, times
    ``sharpness``; the labels of each run of sounding rows are the most likely path of an HMM in
    which a row keeps the previous row's chord with probability ``stay`` (``stay=0``: every row on
    its own), so a melody note that leans a beat towards another chord does not change the label.
    (On benchmarks/listen.py's pieces with held chords, root and third per beat: 0.974 with the
    path, 0.919 row by row.)"""
    chroma = np.asarray(chroma, np.float64)
    if chroma.ndim != 2 or chroma.shape[1] != 12:
        raise ParameterError(f"chord_labels takes chroma [segments, 12], not shape {chroma.shape}.")
    if not 0.0 <= stay < 1.0:
        raise ParameterError(f"chord_labels takes stay in [0, 1), not {stay}.")
    names, roots, templates = _chord_templates()
    peak = chroma.max(axis=1) if energy is None else np.asarray(energy, np.float64)
    loudest = peak.max() if chroma.size else 0.0
    sounding = (peak >= floor * loudest) & (loudest > 0)
    norms = np.linalg.norm(chroma, axis=1, keepdims=True)
    scores = (chroma / np.where(norms > 0, norms, 1)) @ templates.T
    if bass is not None:
        bass = np.asarray(bass, np.float64)
        if bass.shape != chroma.shape:
            raise ParameterError(f"chord_labels takes bass of the chroma's shape {chroma.shape}, not {bass.shape}.")
        scores = scores + bass_weight * bass[:, roots]
    scores = sharpness * scores
    labels = ["N"] * len(chroma)
    edges = np.flatnonzero(np.diff(np.r_[0, sounding.astype(int), 0]))
    for a, b in zip(edges[::2], edges[1::2]):
        path = _viterbi(scores[a:b], stay) if stay > 0 else np.argmax(scores[a:b], axis=1)
        labels[a:b] = [names[int(i)] for i in path]
    return labels
