"""Keys and scales: major, minor, the modes, harmonic/melodic minor, pentatonics, blues."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sonitus.errors import MusicError

from .pitch import check_pitch, parse_pitch_class, pitch_name

__all__ = ["SCALES", "Key", "key"]

SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11), "ionian": (0, 2, 4, 5, 7, 9, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10), "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11), "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "minor": (0, 2, 3, 5, 7, 8, 10), "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonic-minor": (0, 2, 3, 5, 7, 8, 11), "melodic-minor": (0, 2, 3, 5, 7, 9, 11),
    "major-pentatonic": (0, 2, 4, 7, 9), "minor-pentatonic": (0, 3, 5, 7, 10),
    "pentatonic": (0, 2, 4, 7, 9), "blues": (0, 3, 5, 6, 7, 10),
    "chromatic": tuple(range(12)),
}


@dataclass(frozen=True)
class Key:
    """A tonic and a scale, e.g. ``Key.parse("D dorian")``; degrees are 1-based."""

    tonic: int  # pitch class 0-11
    scale: str = "major"

    def __repr__(self) -> str:
        return f"Key.parse({str(self)!r})"

    def __str__(self) -> str:
        """``"A minor"``: what :meth:`parse` reads."""
        return f"{pitch_name(60 + self.tonic % 12)[:-1]} {self.scale}"

    @classmethod
    def parse(cls, text: str) -> Key:
        """``"C"``, ``"A minor"``, ``"F# dorian"``, ``"Bb major-pentatonic"``."""
        parts = text.replace("_", "-").split()
        if not parts or len(parts) > 2:
            raise MusicError(f"{text!r} is not a key: write a tonic and a scale, e.g. 'A minor'.")
        scale = parts[1].lower() if len(parts) == 2 else "major"
        if scale not in SCALES:
            close = difflib.get_close_matches(scale, list(SCALES), n=3, cutoff=0.5)
            raise MusicError(f"unknown scale {scale!r}." + (f" Did you mean {', '.join(close)}?" if close else
                                                             f" Known: {', '.join(SCALES)}."))
        try:
            tonic = parse_pitch_class(parts[0])
        except MusicError as exc:
            raise MusicError(f"{text!r} is not a key: {exc}") from None
        return cls(tonic, scale)

    @property
    def steps(self) -> tuple[int, ...]:
        return SCALES[self.scale]

    def degree(self, degree: int, octave: int = 4, accidental: int = 0) -> int:
        """MIDI pitch of a scale degree (1 = tonic in ``octave``; 8 = an octave up; 0 = the step below)."""
        octaves, step = divmod(degree - 1, len(self.steps))
        return check_pitch(12 * (octave + 1) + self.tonic + 12 * octaves + self.steps[step] + accidental)

    def index_of(self, pitch: int) -> int | None:
        """Position of ``pitch`` on the scale counted from C-1's tonic (``None`` if off the scale)."""
        rel = pitch - self.tonic
        octave, pc = divmod(rel, 12)
        if pc not in self.steps:
            return None
        return octave * len(self.steps) + self.steps.index(pc)

    def pitch_at(self, index: int) -> int:
        """Inverse of :meth:`index_of`."""
        octave, step = divmod(index, len(self.steps))
        return check_pitch(self.tonic + 12 * octave + self.steps[step])


def key(text: str) -> Key:
    """Shorthand for :meth:`Key.parse`."""
    return Key.parse(text)
