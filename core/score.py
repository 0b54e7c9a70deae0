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
        if path.is_file() and path.stat().st_size > 1_000_000:  # a quick count first: parsing takes ~10 s a million
            count = _count_note_ons(path.read_bytes(), stop=MAX_SCORE_NOTES + 1)
            if count > MAX_SCORE_NOTES:
                raise ScoreError(f"{path} has more than {MAX_SCORE_NOTES:,} notes; sonitus reads scores up to that "
                                 "size: split it into parts (e.g. by track or by section).")
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
        if score.notes > MAX_SCORE_NOTES:  # a small file of tiny events: the quick count was skipped
            raise ScoreError(f"{path} has {score.notes:,} notes; sonitus reads scores up to {MAX_SCORE_NOTES:,}: "
                             "split it into parts (e.g. by track or by section).")
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


#: the most notes a MIDI file may hold for sonitus to read it (render, plot, analyse)
MAX_SCORE_NOTES = 200_000

_DATA_BYTES = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}


def _count_note_ons(data: bytes, *, stop: int) -> int:
    """How many note-ons (velocity > 0) a standard MIDI file's bytes hold, counting up to ``stop``;
    a damaged file counts what it can (the full parser then says what is wrong)."""

    def varlen(i: int) -> tuple[int, int]:
        value = 0
        for _ in range(4):
            byte = data[i]
            i += 1
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        return value, i

    count, pos = 0, 14 if data[:4] == b"MThd" else len(data)
    try:
        while pos + 8 <= len(data) and count < stop:
            kind, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "big")
            i, end, status = pos + 8, min(pos + 8 + size, len(data)), 0
            pos = pos + 8 + size
            if kind != b"MTrk":
                continue
            while i < end and count < stop:
                _, i = varlen(i)
                if data[i] >= 0x80:
                    status = data[i]
                    i += 1
                if status == 0xFF:  # meta: its type byte, then a length
                    length, i = varlen(i + 1)
                    i += length
                elif status in (0xF0, 0xF7):
                    length, i = varlen(i)
                    i += length
                else:
                    if status & 0xF0 == 0x90 and data[i + 1] > 0:
                        count += 1
                    i += _DATA_BYTES.get(status & 0xF0, 2)
    except IndexError:
        pass
    return count
