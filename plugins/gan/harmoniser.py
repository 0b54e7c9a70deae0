"""The ``chorale-harmoniser`` stage: Score (a melody) -> Score (a four-part chorale on it).

The melody stays the soprano note for note; alto, tenor and bass are written by the chorale
harmoniser (:mod:`.harmonise`). On the way the melody is read as one line (an error for an
empty, polyphonic or drums-only score), its key is detected (Krumhansl-Kessler profiles) unless
given, it is moved to C major / A minor for the model and by octaves into the soprano range when
it lies outside it, and its notes are put on the model's eighth-note grid: notes that had to move
are counted and said on stderr. The chorale comes back in the melody's key and tempo.

>>> from sonitus.dsl import music as m                                   # doctest: +SKIP
>>> chorale = m.generate("chorale-gan", melody="tune.mid", seed=1)()
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np
from sonitus import Score
from sonitus.dsp.tonal import NOTE_NAMES, estimate_key
from sonitus.errors import ParameterError, ScoreError
from sonitus.stages import StageBase

from .rolls import LOWEST, PITCHES, VOICE_RANGES, VOICES, home_shift

__all__ = ["ChoraleHarmoniser", "HarmonisedMelody", "Melody", "read_melody", "detect_key", "KEY_NAMES"]

#: eighth-note steps a beat: the model's grid
STEPS_PER_BEAT = 2
KEY_NAMES = NOTE_NAMES


@dataclass
class Melody:
    """One line read from a Score: its notes (``pretty_midi.Note``, in time order) and where
    each sits on the eighth-note grid (``starts``/``ends`` in steps from time 0)."""

    notes: list
    starts: np.ndarray
    ends: np.ndarray
    moved: int = 0
    notes_said: list[str] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return int(self.ends.max())


def read_melody(score: Score) -> Melody:
    """The single line of ``score`` on the eighth-note grid, or a :class:`ScoreError` that says
    why it is not one (no notes, only drums, chords or overlapping voices)."""
    midi = score.midi
    pitched = [i for i in midi.instruments if not i.is_drum and i.notes]
    if not pitched:
        if any(i.notes for i in midi.instruments):
            raise ScoreError("The melody has only drum notes; give a pitched line (one voice, no chords).")
        raise ScoreError("The melody has no notes; give a MIDI or song file with one pitched line.")
    notes = sorted((n for i in pitched for n in i.notes), key=lambda n: (n.start, -n.pitch))
    beat = midi.resolution / STEPS_PER_BEAT

    def grid(seconds: float) -> tuple[int, float]:
        exact = midi.time_to_tick(seconds) / beat
        step = int(round(exact))
        return step, abs(exact - step)

    starts, ends, moved = [], [], 0
    for a, b in zip(notes, notes[1:]):
        # a chord or a second voice: a note starting well before the one before it has ended
        if b.start < a.end - 0.25 * min(a.end - a.start, b.end - b.start) - 1e-6:
            raise ScoreError(f"The melody is not one line: notes {a.pitch} and {b.pitch} sound together at "
                             f"{b.start:.2f} s. Give a single voice (no chords), e.g. the top line of the tune.")
    for n in notes:
        (s, off_a), (e, off_b) = grid(n.start), grid(n.end)
        e = max(e, s + 1)
        # a start off the grid moves the note; an end up to a quarter step early or late is its
        # articulation (the DSL's notes sound 95 % of their length), not a move
        moved += off_a > 1e-6 * max(1, s) or off_b > 0.25
        starts.append(s)
        ends.append(e)
    starts, ends = np.array(starts), np.array(ends)
    # a note cut short by quantising keeps at least a step; a later one starts where it may
    for i in range(1, len(starts)):
        if starts[i] < ends[i - 1]:
            ends[i - 1] = max(starts[i], starts[i - 1] + 1)
            starts[i] = max(starts[i], ends[i - 1])
            ends[i] = max(ends[i], starts[i] + 1)
    return Melody(notes, starts, ends, moved)


def detect_key(pitches: np.ndarray, weights: np.ndarray) -> tuple[int, str]:
    """``(tonic pitch class, 'major' | 'minor')`` of notes weighted by duration: the
    Krumhansl-Kessler profile that correlates best with their pitch-class histogram."""
    histogram = np.bincount(np.asarray(pitches) % 12, weights=weights, minlength=12)
    tonic, mode, _ = estimate_key(histogram)
    return tonic, mode


def _octave_fit(pitches: np.ndarray) -> int:
    """Octaves (-3..3) that put the most notes inside the soprano range (the fewest moves on a tie)."""
    low, high = VOICE_RANGES["soprano"]
    return min(range(-3, 4), key=lambda k: (-np.sum((pitches + 12 * k >= low) & (pitches + 12 * k <= high)), abs(k)))


class ChoraleHarmoniser(StageBase):
    """Score (one melodic line) -> Score: a four-part chorale with that melody as its soprano.

    Args:
        model: harmoniser checkpoint (default: the shipped one).
        key: the melody's key ('G', 'F#m', ...); None detects it.
        bars: harmonise only the first ``bars`` 4/4 bars (None: all of it).
        seed: which harmonisation (same seed, same chorale).
        temperature: below 1 keeps to the likeliest chords; above 1 is more adventurous.
        program: General MIDI program of the lower voices (52: Choir Aahs; 19: Church Organ).
    """

    name = "chorale-harmoniser"
    consumes = Score
    produces = Score

    def __init__(self, model: str | None = None, *, key: str | None = None, bars: int | None = None, seed: int = 0,
                 temperature: float = 0.8, program: int = 52):
        from .generator import key_shift

        if bars is not None and not 1 <= int(bars) <= 512:
            raise ParameterError(f"chorale-harmoniser: bars must be between 1 and 512, not {bars}.")
        if not 0.05 <= float(temperature) <= 5:
            raise ParameterError(f"chorale-harmoniser: temperature must be between 0.05 and 5, not {temperature}.")
        if not 0 <= int(program) <= 127:
            raise ParameterError(f"chorale-harmoniser: program must be a General MIDI program 0-127, not {program}.")
        if key is not None:
            key_shift(key)  # validates the name
        self.model, self.key, self.seed = model, key, int(seed)
        self.bars = None if bars is None else int(bars)
        self.temperature, self.program = float(temperature), int(program)
        #: what the last call did to the melody: key, transposition, notes moved onto the grid
        self.report: dict = {}

    @property
    def options(self) -> dict:
        return {"model": self.model, "key": self.key, "bars": self.bars, "seed": self.seed,
                "temperature": self.temperature, "program": self.program}

    def _say(self, text: str) -> None:
        print(f"chorale-harmoniser: {text}", file=sys.stderr)

    def harmonise(self, melody: Melody) -> tuple[np.ndarray, dict]:
        """``(cells [4, steps], report)``: the model's four voices on the eighth-note grid (in C
        major / A minor, the soprano moved as the report says) for ``melody``."""
        from .generator import key_shift
        from .harmonise import fill

        pitches = np.array([n.pitch for n in melody.notes])
        lengths = (melody.ends - melody.starts).astype(float)
        if self.key is None:
            tonic, mode = detect_key(pitches, lengths)
            key_name = KEY_NAMES[tonic] + ("m" if mode == "minor" else "")
            shift = home_shift(tonic, mode)
        else:
            key_name, shift = self.key, -key_shift(self.key)
        octaves = _octave_fit(pitches + shift)
        moved = pitches + shift + 12 * octaves
        if moved.min() < LOWEST or moved.max() >= LOWEST + PITCHES:
            raise ScoreError(f"The melody spans {pitches.max() - pitches.min()} semitones, more than a soprano can "
                             f"sing; give a line within two octaves.")
        steps = melody.steps if self.bars is None else min(melody.steps, self.bars * 4 * STEPS_PER_BEAT)
        if steps < 1:
            raise ScoreError("The melody has no notes in the bars asked for; raise bars or leave it out.")
        given = np.zeros((len(VOICES), steps), np.int32)
        for p, a, b in zip(moved, melody.starts, melody.ends):
            given[0, a:min(b, steps)] = p - LOWEST + 1
        free = np.zeros(given.shape, bool)
        free[1:] = True
        cells = fill(given, free, seed=self.seed, temperature=self.temperature, model=self.model)
        return cells, {"key": key_name, "detected": self.key is None, "semitones_to_model": shift,
                       "octaves": octaves, "notes_moved_to_grid": melody.moved, "steps": steps}

    def __call__(self, score: Score) -> Score:
        import pretty_midi

        from .harmoniser_model import from_cells
        from .rolls import notes_of

        if not isinstance(score, Score):
            raise ParameterError(f"chorale-harmoniser takes a Score (a melody), not {type(score).__name__}.")
        melody = read_melody(score)
        cells, report = self.harmonise(melody)
        self.report = report
        if report["detected"]:
            self._say(f"melody in {report['key']} (detected; give key= to set it)")
        if report["octaves"]:
            self._say(f"melody moved {abs(report['octaves'])} octave(s) {'up' if report['octaves'] > 0 else 'down'} "
                      "into the soprano range")
        if melody.moved:
            self._say(f"{melody.moved} note(s) moved onto the eighth-note grid")
        midi = score.midi
        tick = midi.resolution / STEPS_PER_BEAT
        out = pretty_midi.PrettyMIDI(resolution=midi.resolution, initial_tempo=score.tempo)
        out.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
        velocity = int(np.median([n.velocity for n in melody.notes]))
        back = -report["semitones_to_model"]
        roll = from_cells(cells)
        soprano = pretty_midi.Instrument(program=self.program, name="Soprano")
        limit = midi.tick_to_time(int(round(report["steps"] * tick)))
        exact = not (melody.moved or report["octaves"])
        for n, a, b in zip(melody.notes, melody.starts, melody.ends):
            if a >= report["steps"]:
                break
            # an on-grid melody is copied as it came; one that had to move is rewritten on the grid
            start, end = (n.start, n.end) if exact else (midi.tick_to_time(int(round(a * tick))),
                                                         midi.tick_to_time(int(round(b * tick))))
            soprano.notes.append(pretty_midi.Note(n.velocity, n.pitch + 12 * report["octaves"], start,
                                                  min(end, limit)))
        out.instruments.append(soprano)
        for v in range(1, len(VOICES)):
            inst = pretty_midi.Instrument(program=self.program, name=VOICES[v].capitalize())
            for pitch, start, length in notes_of(roll[v]):
                inst.notes.append(pretty_midi.Note(velocity, int(pitch) + back,
                                                   midi.tick_to_time(int(round(start * tick))),
                                                   midi.tick_to_time(int(round((start + length) * tick)))))
            out.instruments.append(inst)
        return Score(out)


class HarmonisedMelody(StageBase):
    """Nothing -> Score: ``chorale-gan`` with ``melody=``: the melody (a Score, or a .mid/.txt/.py
    song file read by the ``load-song`` stage) harmonised by :class:`ChoraleHarmoniser`."""

    name = "chorale-gan"
    consumes = None
    produces = Score

    def __init__(self, melody, *, model: str | None = None, key: str | None = None, bars: int | None = None,
                 seed: int = 0, temperature: float | None = None, program: int = 52):
        import os

        if not isinstance(melody, (Score, str, os.PathLike)):
            raise ParameterError(f"chorale-gan: melody must be a Score or a .mid/.txt file, not "
                                 f"{type(melody).__name__}.")
        self.melody = melody
        self.harmoniser = ChoraleHarmoniser(model, key=key, bars=bars, seed=seed, program=program,
                                            temperature=0.8 if temperature is None else temperature)

    @property
    def options(self) -> dict:
        melody = self.melody if not isinstance(self.melody, Score) else "<Score>"
        return {"melody": str(melody), **self.harmoniser.options}

    def __call__(self, value=None) -> Score:
        from sonitus import get_registry

        melody = self.melody if isinstance(self.melody, Score) else get_registry().stage("load-song",
                                                                                          path=self.melody)()
        return self.harmoniser(melody)
