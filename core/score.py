"""`Score`: a piece of music as a `pretty_midi.PrettyMIDI`, with tempo and meter."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .atomic import atomic_path
from .errors import ScoreError

if TYPE_CHECKING:
    import pretty_midi

__all__ = ["Score"]


@dataclass(frozen=True, eq=False)
class Score:
    """A score: notes, instruments, tempo and meter, held by a ``pretty_midi.PrettyMIDI``.

    Treat ``midi`` as read-only; transformations build new scores.
    """

    midi: pretty_midi.PrettyMIDI

    @property
    def tempo(self) -> float:
        """The first tempo in beats per minute (120 when the file sets none)."""
        _, tempi = self.midi.get_tempo_changes()
        return float(tempi[0]) if len(tempi) else 120.0

    @property
    def meter(self) -> str:
        """The first time signature as ``"n/d"`` (``"4/4"`` when the file sets none)."""
        ts = self.midi.time_signature_changes
        return f"{ts[0].numerator}/{ts[0].denominator}" if ts else "4/4"

    @property
    def duration(self) -> float:
        """End time of the last note or event, in seconds."""
        return float(self.midi.get_end_time())

    @property
    def notes(self) -> int:
        """Number of notes over all instruments."""
        return sum(len(i.notes) for i in self.midi.instruments)

    def __repr__(self) -> str:
        return (f"Score(instruments={len(self.midi.instruments)}, notes={self.notes}, "
                f"tempo={self.tempo:g}, meter={self.meter!r}, duration={self.duration:.2f}s)")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Score:
        """Read a standard MIDI file.

        Notes switched on and never off cannot be kept (they have no length): they are left
        out with a :class:`UserWarning` that counts them.
        """
        import mido
        import pretty_midi

        path = Path(path)
        if not path.exists():
            raise ScoreError(f"{path} does not exist; check the path.")
        try:
            score = cls(pretty_midi.PrettyMIDI(str(path)))
            midi_file = mido.MidiFile(str(path))
        except Exception as exc:  # mido and pretty_midi raise many kinds of errors
            zero = _zero_tempo(path) if isinstance(exc, ZeroDivisionError) else None
            if zero is not None:
                raise ScoreError(f"{path} sets a tempo of 0 microseconds a beat (at tick {zero}), which no player can "
                                 "follow; set a real tempo there in your MIDI editor.") from exc
            why = str(exc).strip() or ("the file is empty" if path.stat().st_size == 0 else type(exc).__name__)
            raise ScoreError(f"{path} is not a MIDI file sonitus can read ({why}); export it again as a "
                             "standard MIDI file (.mid).") from exc
        dropped = _unterminated_notes(midi_file)
        if dropped:
            import warnings

            warnings.warn(f"{path}: {dropped} note(s) are switched on and never off; they are left out.",
                          stacklevel=2)
        return score

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write a standard MIDI file atomically."""
        target = Path(path)
        with atomic_path(target) as tmp:
            self.midi.write(str(tmp))
        return target

    def _repr_html_(self) -> str:
        """A piano roll picture for Jupyter."""
        from sonitus.plots import pianoroll_html

        return pianoroll_html(self)

    def piano_roll(self, fs: float = 100.0) -> np.ndarray:
        """Velocities ``[128, frames]`` sampled ``fs`` times a second over all instruments."""
        return self.midi.get_piano_roll(fs=fs)


def _unterminated_notes(midi_file) -> int:
    """How many note-ons of a ``mido.MidiFile`` no note-off (or velocity-0 note-on) ends."""
    open_notes: dict[tuple[int, int], int] = {}
    for track in midi_file.tracks:
        for msg in track:
            if msg.type == "note_on" and msg.velocity > 0:
                key = (msg.channel, msg.note)
                open_notes[key] = open_notes.get(key, 0) + 1
            elif msg.type in ("note_off", "note_on"):
                key = (msg.channel, msg.note)
                if open_notes.get(key):
                    open_notes[key] = 0  # pretty_midi ends every open note of that pitch
    return sum(open_notes.values())


def _zero_tempo(path: Path) -> int | None:
    """The tick of the first tempo change to 0 microseconds a beat, if the file has one."""
    import mido

    try:
        for track in mido.MidiFile(str(path)).tracks:
            tick = 0
            for message in track:
                tick += message.time
                if message.type == "set_tempo" and message.tempo <= 0:
                    return tick
    except Exception:
        return None
    return None
