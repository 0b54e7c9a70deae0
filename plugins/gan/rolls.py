"""Four-part (SATB) chorales as voice rolls, and their conversion to and from Scores.

A *voice roll* is an ``int8`` array ``[voices, steps]``: the MIDI pitch each voice sings on
each sixteenth-note step, or ``REST`` (-1). Consecutive equal pitches are one held note.
The network sees the same thing one-hot: ``[steps, CLASSES, voices]`` with class 0 the rest
and class ``1 + pitch - LOWEST`` a pitch.
"""

from __future__ import annotations

import numpy as np

__all__ = ["home_shift", "REST", "VOICES", "LOWEST", "PITCHES", "CLASSES", "STEPS_PER_BAR", "notes_of", "one_hot", "from_classes",
           "to_score", "VOICE_RANGES", "quantise"]

REST = -1
VOICES = ("soprano", "alto", "tenor", "bass")
#: the sung range the network covers: G1..D6 (every chorale voice after moving it to C/a)
LOWEST, PITCHES = 31, 56
CLASSES = PITCHES + 1
STEPS_PER_BAR = 16
#: usual SATB ranges (MIDI), for checks and the random baseline
VOICE_RANGES = {"soprano": (60, 81), "alto": (53, 74), "tenor": (48, 69), "bass": (36, 62)}


def notes_of(line: np.ndarray) -> list[tuple[int, int, int]]:
    """``(pitch, start_step, length_steps)`` of one voice's roll (held pitches merged)."""
    notes = []
    start = 0
    for step in range(1, len(line) + 1):
        if step == len(line) or line[step] != line[start]:
            if line[start] != REST:
                notes.append((int(line[start]), start, step - start))
            start = step
    return notes


def quantise(rolls: np.ndarray, grid: int) -> np.ndarray:
    """Voice rolls ``[..., steps]`` on a coarser grid of ``grid`` steps a bar (8: eighth notes):
    each step takes the pitch sounding at its start, still written out on the 16th grid."""
    factor = STEPS_PER_BAR // grid
    return np.repeat(rolls[..., ::factor], factor, axis=-1) if factor > 1 else rolls


def one_hot(rolls: np.ndarray) -> np.ndarray:
    """``[batch, voices, steps]`` voice rolls -> ``[batch, steps, CLASSES, voices]`` float32 one-hots."""
    classes = np.where(rolls == REST, 0, np.clip(rolls.astype(np.int32) - LOWEST + 1, 1, PITCHES))
    out = np.zeros(rolls.shape[:1] + rolls.shape[2:] + (CLASSES, rolls.shape[1]), np.float32)
    b, v, t = np.indices(rolls.shape)
    out[b, t, classes, v] = 1.0
    return out


def from_classes(classes: np.ndarray) -> np.ndarray:
    """``[..., voices, steps]`` class indices -> voice rolls (class 0 -> REST)."""
    classes = np.asarray(classes)
    return np.where(classes == 0, REST, classes + LOWEST - 1).astype(np.int8)


def to_score(roll: np.ndarray, *, tempo: float = 80.0, programs: tuple[int, ...] = (52, 52, 52, 52),
             velocity: int = 80):
    """A :class:`sonitus.Score` of a voice roll: one instrument a voice, 4/4 at ``tempo`` bpm.

    ``programs`` are General MIDI programs (52: Choir Aahs).
    """
    import pretty_midi
    from sonitus import Score

    midi = pretty_midi.PrettyMIDI(initial_tempo=float(tempo))
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    step = 60.0 / tempo / 4
    for v, line in enumerate(np.asarray(roll)):
        inst = pretty_midi.Instrument(program=programs[v % len(programs)], name=VOICES[v % 4].capitalize())
        for pitch, start, length in notes_of(line):
            inst.notes.append(pretty_midi.Note(velocity=velocity, pitch=pitch, start=start * step,
                                               end=(start + length) * step))
        midi.instruments.append(inst)
    return Score(midi)


def home_shift(tonic: int, mode: str) -> int:
    """Semitones (-6..+5) that move a key to the model's home key (C major, A minor)."""
    home = 0 if mode == "major" else 9
    return (home - tonic + 6) % 12 - 6
