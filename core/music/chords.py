"""Chord symbols: ``C``, ``Am``, ``G7/B``, ``Dsus4``, ``Fmaj7``, ``Bm7b5``, ``Cdim7``, ..."""

from __future__ import annotations

import difflib
import re

from sonitus.errors import MusicError

from .pitch import check_pitch, parse_pitch_class

__all__ = ["CHORD_QUALITIES", "chord_pitches", "parse_chord_symbol"]

# Intervals in semitones above the root.
CHORD_QUALITIES: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7), "maj": (0, 4, 7), "M": (0, 4, 7),
    "m": (0, 3, 7), "min": (0, 3, 7), "-": (0, 3, 7),
    "dim": (0, 3, 6), "o": (0, 3, 6),
    "aug": (0, 4, 8), "+": (0, 4, 8),
    "sus2": (0, 2, 7), "sus4": (0, 5, 7), "sus": (0, 5, 7),
    "5": (0, 7),
    "6": (0, 4, 7, 9), "m6": (0, 3, 7, 9),
    "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11), "M7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10), "min7": (0, 3, 7, 10), "mMaj7": (0, 3, 7, 11),
    "dim7": (0, 3, 6, 9), "o7": (0, 3, 6, 9), "m7b5": (0, 3, 6, 10), "ø": (0, 3, 6, 10),
    "aug7": (0, 4, 8, 10), "7sus4": (0, 5, 7, 10),
    "add9": (0, 4, 7, 14), "madd9": (0, 3, 7, 14),
    "9": (0, 4, 7, 10, 14), "maj9": (0, 4, 7, 11, 14), "m9": (0, 3, 7, 10, 14),
    "7b9": (0, 4, 7, 10, 13), "7#9": (0, 4, 7, 10, 15),
    "11": (0, 4, 7, 10, 14, 17), "m11": (0, 3, 7, 10, 14, 17),
    "13": (0, 4, 7, 10, 14, 21), "maj13": (0, 4, 7, 11, 14, 21),
}

_SYMBOL = re.compile(r"^([A-G][#b]*)([^/]*)(?:/([A-G][#b]*))?$")


def parse_chord_symbol(symbol: str) -> tuple[int, tuple[int, ...], int | None]:
    """``"G7/B"`` → (root pitch class 7, intervals (0, 4, 7, 10), bass pitch class 11)."""
    match = _SYMBOL.match(symbol.strip())
    if not match:
        raise MusicError(f"{symbol!r} is not a chord symbol: write a root (A-G, # or b), a quality "
                         f"such as m, 7, maj7, dim, sus4, and optionally /bass, e.g. G7/B.")
    root, quality, bass = match.groups()
    if quality not in CHORD_QUALITIES:
        close = difflib.get_close_matches(quality, [q for q in CHORD_QUALITIES if q], n=4, cutoff=0.4)
        hint = f" Did you mean {', '.join(root + q for q in close)}?" if close else ""
        raise MusicError(f"unknown chord quality {quality!r} in {symbol!r}.{hint}")
    return (parse_pitch_class(root), CHORD_QUALITIES[quality],
            None if bass is None else parse_pitch_class(bass))


def chord_pitches(symbol: str, octave: int = 4) -> tuple[int, ...]:
    """MIDI pitches of a chord symbol, root in ``octave`` and a slash bass below it."""
    root, intervals, bass = parse_chord_symbol(symbol)
    base = 12 * (octave + 1) + root
    pitches = [check_pitch(base + i) for i in intervals]
    if bass is not None:
        below = base - ((root - bass) % 12 or 12)
        pitches = [check_pitch(below)] + [p for p in pitches if p % 12 != bass]
    return tuple(pitches)
