"""Scoring the chorale harmoniser on held-out chorales (``sonitus eval gan chorales --melody``).

Each held-out 4-bar segment's soprano (on the model's eighth-note grid) is harmonised and the
result compared with Bach's own parts on the same melody and with a parallel-motion baseline
(alto a fourth, tenor an octave, bass two octaves below the tune). Unconditional chorales (every
cell drawn) are scored with the Yang & Lerch overlaps against the training chorales.
"""

from __future__ import annotations

import numpy as np

from .rolls import REST, home_shift, quantise

__all__ = ["evaluate_harmoniser", "parallel_baseline"]


def parallel_baseline(melodies: np.ndarray) -> np.ndarray:
    """``[n, 4, steps]``: the melody with lines a fourth, an octave and two octaves below it."""
    rolls = np.stack([melodies] + [np.where(melodies == REST, REST, melodies - d) for d in (5, 12, 24)], axis=1)
    return rolls.astype(np.int8)


def evaluate_harmoniser(*, model: str | None = None, count: int | None = None, seed: int = 0,
                        temperature: float = 0.8, parallel_penalty: float | None = None,
                        unconditional: int = 100) -> dict:
    """``{"harmonisation": {set: report}, "unconditional": {set: overlaps}}`` on ``count``
    held-out segments (all of them by default)."""
    from .chorales import Chorales
    from .harmonise import PARALLEL_PENALTY, fill
    from .harmoniser_model import from_cells, to_cells
    from .harmony_metrics import harmonisation_report
    from .metrics import overlaps

    train, held = Chorales().load(progress=False)
    bach = quantise(held if count is None else held[:count], 8)
    melodies = bach[:, 0]
    given = to_cells(bach[:, :, ::2])
    free = np.zeros(given.shape, bool)
    free[:, 1:] = True
    rule = PARALLEL_PENALTY if parallel_penalty is None else parallel_penalty
    harmonised = np.repeat(from_cells(fill(given, free, seed=seed, temperature=temperature, parallel_penalty=rule,
                                           model=model)), 2, axis=-1)
    result = {"harmonisation": {
        "Bach": harmonisation_report(bach, melodies),
        "harmoniser": harmonisation_report(harmonised, melodies),
        "parallel baseline": harmonisation_report(parallel_baseline(melodies), melodies)}}
    if unconditional:
        blank = np.zeros((unconditional,) + given.shape[1:], np.int32)
        written = _home_key(np.repeat(from_cells(fill(blank, np.ones(blank.shape, bool), seed=seed + 1,
                                                      temperature=temperature, parallel_penalty=rule, model=model)),
                                      2, axis=-1))
        result["unconditional"] = {
            "held-out real": {k: round(v, 4) for k, v in overlaps(quantise(held, 8), train).items()},
            "harmoniser": {k: round(v, 4) for k, v in overlaps(written, train).items()},
            "harmoniser (report)": harmonisation_report(written)}
    return result


def _home_key(rolls: np.ndarray) -> np.ndarray:
    """Each segment moved to the nearest C major / A minor, as Bach's chorales are in the data: the
    harmoniser learnt transposed chorales, so a chorale it writes from nothing may be in any key."""
    from sonitus.dsp.tonal import estimate_key

    out = rolls.copy()
    for i, roll in enumerate(rolls):
        pitches = roll[roll != REST].astype(int)
        if pitches.size:
            tonic, mode, _ = estimate_key(np.bincount(pitches % 12, minlength=12))
            out[i] = np.where(roll == REST, REST, roll + home_shift(tonic, mode))
    return out
