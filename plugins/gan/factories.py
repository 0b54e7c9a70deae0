"""The factory of the ``chorale-gan`` stage: a new chorale, or (``melody=``) one written on a given tune."""

from __future__ import annotations

from .generator import ChoraleGANGenerator
from .harmoniser import HarmonisedMelody

__all__ = ["chorale_gan"]


def chorale_gan(model: str | None = None, bars: int | None = None, seed: int = 0, key: str | None = None,
                tempo: float = 80.0, temperature: float = 0.0, program: int = 52, melody=None):
    """A new SATB chorale (Score) from the chorale GAN: bars, seed, key, tempo, temperature; with
    melody= (a Score or a .mid/.txt file) the chorale harmoniser writes one on that tune."""
    if melody is not None:
        return HarmonisedMelody(melody, model=model, key=key, bars=bars, seed=seed,
                                temperature=temperature or None, program=program)
    return ChoraleGANGenerator(model, bars=8 if bars is None else bars, seed=seed, key=key or "C", tempo=tempo,
                               temperature=temperature, program=program)
