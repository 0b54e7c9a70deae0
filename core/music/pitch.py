"""Pitches: note names with octaves (C4 = 60, A4 = 440 Hz) and MIDI numbers."""

from __future__ import annotations

import re

from sonitus.errors import MusicError

__all__ = ["PITCH_CLASSES", "parse_pitch", "pitch_name", "check_pitch", "parse_pitch_class"]

PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"#": 1, "♯": 1, "b": -1, "♭": -1, "x": 2}
_NOTE = re.compile(r"^([A-Ga-g])([#♯b♭x]*)(-?\d+)$")
_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def check_pitch(pitch: int) -> int:
    """Return ``pitch`` if it is a MIDI note number 0-127, else raise MusicError."""
    if not 0 <= pitch <= 127:
        raise MusicError(f"pitch {pitch} is outside the MIDI range 0-127 (C-1 to G9); "
                         f"transpose it into range.")
    return int(pitch)


def parse_pitch_class(text: str) -> int:
    """``"C#"`` → 1, ``"Bb"`` → 10: a letter with any sharps (#) or flats (b)."""
    if not text or text[0].upper() not in PITCH_CLASSES:
        raise MusicError(f"{text!r} is not a note name (A-G with # or b).")
    value = PITCH_CLASSES[text[0].upper()]
    for char in text[1:]:
        if char not in _ACCIDENTALS:
            raise MusicError(f"{text!r} is not a note name (A-G with # or b).")
        value += _ACCIDENTALS[char]
    return value % 12


def parse_pitch(text: str | int) -> int:
    """A MIDI note number from ``"C4"``, ``"F#3"``, ``"Bb-1"`` or an int (checked 0-127)."""
    if isinstance(text, int):
        return check_pitch(text)
    match = _NOTE.match(text.strip())
    if not match:
        if text.strip().isascii() and text.strip().isdigit():
            return check_pitch(int(text))
        raise MusicError(f"{text!r} is not a pitch: write a note name and octave such as C4, F#3 or Bb2, "
                         f"or a MIDI number 0-127.")
    letter, accidentals, octave = match.groups()
    value = PITCH_CLASSES[letter.upper()] + sum(_ACCIDENTALS[a] for a in accidentals)
    return check_pitch(12 * (int(octave) + 1) + value)


def pitch_name(pitch: int) -> str:
    """``60`` → ``"C4"`` (sharps for black keys except Eb, Ab, Bb)."""
    return f"{_NAMES[pitch % 12]}{pitch // 12 - 1}"
