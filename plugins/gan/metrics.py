"""Objective metrics of generated chorales (voice rolls ``[n, voices, steps]``).

- :func:`empty_bar_rate`: per voice, the share of bars with no note.
- :func:`qualified_note_rate`: the share of notes at least two sixteenths long.
- :func:`pitch_class_entropy`: the entropy (bits) of the duration-weighted pitch-class
  histogram of each segment, averaged.
- :func:`polyphony`: voices sounding per step, over steps where any voice sounds.
- :func:`voice_order_rate`: the share of steps whose sounding voices are in SATB order
  (soprano >= alto >= tenor >= bass; unisons allowed, crossings not).
- :func:`in_range_rate`: per voice, the share of its notes inside the usual SATB range
  (:data:`~sonitus.plugins.gan.rolls.VOICE_RANGES`).
- :func:`overlaps`: Yang & Lerch (2018)-style overlapping areas between the distributions of
  five features of two sets: pitch range, melodic interval, inter-onset interval, note
  length and pitch-class transitions (1 = the same distribution, 0 = disjoint).
- :func:`random_diatonic`: the baseline: random C-major lines in each voice's range with the
  real note lengths.
"""

from __future__ import annotations

import numpy as np

from .rolls import REST, STEPS_PER_BAR, VOICE_RANGES, VOICES, notes_of

__all__ = ["empty_bar_rate", "qualified_note_rate", "pitch_class_entropy", "polyphony", "voice_order_rate",
           "in_range_rate", "features", "overlap", "overlaps", "random_diatonic", "report", "FEATURES"]

FEATURES = ("pitch_range", "melodic_interval", "inter_onset_interval", "note_length", "pitch_class_transition")


def empty_bar_rate(rolls: np.ndarray) -> np.ndarray:
    """``[voices]``: the share of bars in which a voice has no note."""
    n, v, t = rolls.shape
    bars = rolls.reshape(n, v, t // STEPS_PER_BAR, STEPS_PER_BAR)
    return np.mean(np.all(bars == REST, axis=-1), axis=(0, 2))


def _all_notes(rolls: np.ndarray):
    for segment in rolls:
        for line in segment:
            yield notes_of(line)


def qualified_note_rate(rolls: np.ndarray) -> float:
    """The share of notes lasting at least two sixteenth-note steps (1.0 when there are none)."""
    lengths = [length for notes in _all_notes(rolls) for _, _, length in notes]
    return float(np.mean(np.array(lengths) >= 2)) if lengths else 1.0


def pitch_class_entropy(rolls: np.ndarray) -> float:
    """Mean over segments of the entropy (bits) of their pitch-class histogram (0 to log2 12)."""
    values = []
    for segment in rolls:
        pitches = segment[segment != REST]
        if pitches.size == 0:
            continue
        hist = np.bincount(pitches.astype(int) % 12, minlength=12) / pitches.size
        hist = hist[hist > 0]
        values.append(float(-(hist * np.log2(hist)).sum()))
    return float(np.mean(values)) if values else 0.0


def polyphony(rolls: np.ndarray) -> float:
    """Mean number of sounding voices over the steps where at least one sounds."""
    sounding = (rolls != REST).sum(axis=1)
    active = sounding[sounding > 0]
    return float(active.mean()) if active.size else 0.0


def voice_order_rate(rolls: np.ndarray) -> float:
    """The share of steps (with at least two voices sounding) whose sounding voices, read from
    soprano down, never rise: a crossed pair anywhere in the step makes it out of order."""
    pitches = np.where(rolls == REST, np.nan, rolls.astype(float)).transpose(0, 2, 1).reshape(-1, rolls.shape[1])
    sounding = ~np.isnan(pitches)
    # read downwards the sounding voices never rise exactly when no pair of them is crossed
    in_order = np.ones(len(pitches), bool)
    for upper in range(pitches.shape[1]):
        for lower in range(upper + 1, pitches.shape[1]):
            with np.errstate(invalid="ignore"):
                in_order &= ~(sounding[:, upper] & sounding[:, lower] & (pitches[:, lower] > pitches[:, upper]))
    counted = sounding.sum(axis=1) >= 2
    return float(in_order[counted].mean()) if counted.any() else 1.0


def in_range_rate(rolls: np.ndarray) -> np.ndarray:
    """``[voices]``: the share of each voice's notes inside its usual SATB range (1.0 for a voice
    with no notes)."""
    rates = []
    for v, voice in enumerate(VOICES):
        low, high = VOICE_RANGES[voice]
        pitches = [p for segment in rolls for p, _, _ in notes_of(segment[v])]
        rates.append(float(np.mean([(low <= p <= high) for p in pitches])) if pitches else 1.0)
    return np.array(rates)


def features(rolls: np.ndarray) -> dict[str, np.ndarray]:
    """The values of the five features over a set (pooled over segments and voices)."""
    ranges, intervals, iois, lengths = [], [], [], []
    transitions = np.zeros((12, 12))
    for segment in rolls:
        for line in segment:
            notes = notes_of(line)
            if notes:
                pitches = [p for p, _, _ in notes]
                ranges.append(max(pitches) - min(pitches))
            lengths += [length for _, _, length in notes]
            for (p, s, _), (q, t, _) in zip(notes, notes[1:]):
                intervals.append(q - p)
                iois.append(t - s)
                transitions[p % 12, q % 12] += 1
    return {"pitch_range": np.array(ranges), "melodic_interval": np.array(intervals),
            "inter_onset_interval": np.array(iois), "note_length": np.array(lengths),
            "pitch_class_transition": transitions.ravel()}


def overlap(a: np.ndarray, b: np.ndarray, *, counts: bool = False) -> float:
    """Overlapping area of two distributions: of integer samples ``a`` and ``b`` (histograms on
    their common integer support), or of two histograms already counted (``counts=True``)."""
    if counts:
        p, q = np.asarray(a, float), np.asarray(b, float)
    else:
        a, b = np.asarray(a, int), np.asarray(b, int)
        if a.size == 0 or b.size == 0:
            return 0.0
        low = min(a.min(), b.min())
        p = np.bincount(a - low, minlength=max(a.max(), b.max()) - low + 1).astype(float)
        q = np.bincount(b - low, minlength=p.size).astype(float)
    if p.sum() == 0 or q.sum() == 0:
        return 0.0
    return float(np.minimum(p / p.sum(), q / q.sum()).sum())


def overlaps(rolls: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    """The overlapping area of each of :data:`FEATURES` between ``rolls`` and ``reference``."""
    fa, fb = features(rolls), features(reference)
    return {name: overlap(fa[name], fb[name], counts=name == "pitch_class_transition") for name in FEATURES}


def random_diatonic(reference: np.ndarray, count: int, *, seed: int = 0) -> np.ndarray:
    """``count`` random chorale-shaped segments: C-major pitches drawn uniformly in each voice's
    range, with note lengths drawn from ``reference`` (so the note density is the same)."""
    rng = np.random.default_rng(seed)
    lengths = features(reference)["note_length"]
    steps = reference.shape[2]
    out = np.full((count, len(VOICES), steps), REST, np.int8)
    for n in range(count):
        for v, voice in enumerate(VOICES):
            low, high = VOICE_RANGES[voice]
            scale = [p for p in range(low, high + 1) if p % 12 in (0, 2, 4, 5, 7, 9, 11)]
            t = 0
            while t < steps:
                length = int(rng.choice(lengths))
                out[n, v, t:t + length] = rng.choice(scale)
                t += length
    return out


def report(rolls: np.ndarray, reference: np.ndarray) -> dict:
    """Every metric of ``rolls``, overlaps measured against ``reference``."""
    empty = empty_bar_rate(rolls)
    return {"empty_bars": {v: round(float(e), 4) for v, e in zip(VOICES, empty)},
            "qualified_notes": round(qualified_note_rate(rolls), 4),
            "pitch_class_entropy": round(pitch_class_entropy(rolls), 4),
            "polyphony": round(polyphony(rolls), 4),
            "voice_order": round(voice_order_rate(rolls), 4),
            "in_range": {v: round(float(r), 4) for v, r in zip(VOICES, in_range_rate(rolls))},
            "overlap": {k: round(v, 4) for k, v in overlaps(rolls, reference).items()}}
