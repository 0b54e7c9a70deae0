"""From a pitch track to notes: one melodic line as ``(pitch, start s, end s)``, and as a Score.

A note is a run of voiced frames. A run splits where an onset falls inside it and either the
pitch changes there or the level jumps by :data:`RESTRIKE_DB` (a re-struck note), and where the pitch moves by more than :data:`SPLIT_SEMITONES` and stays there for
:data:`SETTLE_FRAMES` frames (a slur to a new note); each note takes the median of its frames'
pitches, rounded to a semitone. Notes shorter than ``min_note`` seconds are dropped.
:func:`quantise` snaps notes to a grid of a beat's fraction laid from a beat the tracker found.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sonitus.errors import ParameterError

__all__ = ["Note", "segment_notes", "refine_starts", "quantise", "to_score", "parse_grid", "SPLIT_SEMITONES", "SETTLE_FRAMES"]

SPLIT_SEMITONES = 0.6
SETTLE_FRAMES = 3
#: an onset inside a note of unchanged pitch splits it only when the level rises this much (dB)
#: around it: a re-struck note, not vibrato or tremolo
RESTRIKE_DB = 4.0
#: a same-pitch note shorter than this that runs straight into a new pitch is the old note's end
#: (a slow attack's onset comes before its pitch does): it joins the note before it
TAIL_S = 0.16
#: a note whose pitch settles up to this long after an onset (that no note covers) starts at it
ATTACK_S = 0.12
#: :func:`refine_starts` looks this far before a note's start for the rise of its attack
ATTACK_SEARCH_S = 0.12
#: the hop of :func:`refine_starts`'s level envelope (64 samples at 22.05 kHz); its window is four hops
ENVELOPE_HOP_S = 64 / 22050


@dataclass(frozen=True)
class Note:
    """One transcribed note: MIDI pitch, start and end in seconds, velocity 1-127."""

    pitch: int
    start: float
    end: float
    velocity: int = 90


def segment_notes(f0: np.ndarray, voiced: np.ndarray, onsets: np.ndarray, *, frame_rate: float,
                  min_note: float = 0.06, level_db: np.ndarray | None = None) -> list[Note]:
    """Notes of a monophonic pitch track (``f0`` Hz per frame, ``voiced`` flags, ``onsets`` as
    frame indices) at ``frame_rate`` frames a second; ``level_db`` per frame sets velocities."""
    midi = np.where(voiced, 69 + 12 * np.log2(np.where(voiced, f0, 440.0) / 440.0), np.nan)
    onset_set = set(int(o) for o in onsets)
    notes, start = [], None

    def close(a: int, b: int) -> None:
        if b - a >= max(1, int(round(min_note * frame_rate))):
            velocity = 90
            if level_db is not None:
                velocity = int(np.clip(127 + 2.0 * np.max(level_db[a:b]), 20, 127))
            notes.append(Note(int(np.round(np.median(midi[a:b]))), a / frame_rate, b / frame_rate, velocity))

    for t in range(len(midi) + 1):
        sounding = t < len(midi) and voiced[t]
        if start is None:
            if sounding:
                start = t
            continue
        if not sounding:
            close(start, t)
            start = None
            continue
        centre = np.median(midi[start:t]) if t > start else midi[t]
        moved = np.abs(midi[t:t + SETTLE_FRAMES] - centre) > SPLIT_SEMITONES
        slur = t + SETTLE_FRAMES <= len(midi) and bool(np.all(moved)) and bool(np.all(voiced[t:t + SETTLE_FRAMES]))
        struck = t in onset_set and (np.nanmedian(moved) > 0 if moved.size else False)
        if t in onset_set and level_db is not None:
            struck = struck or np.max(level_db[t - 1:t + 3]) - np.min(level_db[max(0, t - 4):t + 1]) >= RESTRIKE_DB
        elif t in onset_set:
            struck = True
        if t - start >= 2 and (struck or slur):
            close(start, t)
            start = t
    return _tidy(notes, sorted(onset_set), frame_rate)


def _tidy(notes: list[Note], onsets: list[int], frame_rate: float) -> list[Note]:
    """Join same-pitch tails (:data:`TAIL_S`) and move starts back to their onsets (:data:`ATTACK_S`)."""
    joined: list[Note] = []
    for i, n in enumerate(notes):
        after = notes[i + 1] if i + 1 < len(notes) else None
        if (joined and n.pitch == joined[-1].pitch and abs(n.start - joined[-1].end) < 1e-9
                and n.end - n.start < TAIL_S and after is not None and abs(after.start - n.end) < 1e-9
                and after.pitch != n.pitch):
            joined[-1] = Note(n.pitch, joined[-1].start, n.end, joined[-1].velocity)
            continue
        joined.append(n)
    times = np.array(onsets, float) / frame_rate
    out: list[Note] = []
    for n in joined:
        earlier = times[(times < n.start) & (times >= n.start - ATTACK_S) & (times >= (out[-1].end if out else 0.0))]
        out.append(Note(n.pitch, float(earlier[0]), n.end, n.velocity) if earlier.size else n)
    return out


def refine_starts(notes: list[Note], x: np.ndarray, sample_rate: int, *, search_s: float = ATTACK_SEARCH_S) -> list[Note]:
    """Notes whose starts are moved back to where their attack begins.

    Frame-based pitch and onsets place a slow attack (flute, bowed strings, voice) 30-70 ms late.
    In a fine level envelope (11.6 ms windows, 2.9 ms hop, at any rate) the steepest rise within
    ``search_s`` before a start (and not before the previous note's start) is found, and the note
    starts at the bottom of that rise; a start with no rise of 0.5 dB a step is kept. A note
    that now begins before the one before it ends cuts that one short, so the line stays one voice."""
    hop = max(1, round(sample_rate * ENVELOPE_HOP_S))  # in seconds: in samples, a window at 48 kHz is shorter
    window = 4 * hop                                     # than a period of A3, and its ripple reads as attacks
    rate = sample_rate / hop
    out: list[Note] = []
    for n in notes:
        # round(): a start moved here is k / rate, and int(k / rate * rate) may be k - 1
        lo = max(int((n.start - search_s) * rate), round(out[-1].start * rate) + 1 if out else 0, 2)
        hi = min(int((n.start + 0.03) * rate), (len(x) - window) // hop)
        if hi - lo < 3:
            out.append(n)
            continue
        frames = np.lib.stride_tricks.sliding_window_view(np.asarray(x[lo * hop - window // 2:hi * hop + window // 2], np.float64),
                                                          window)[::hop]
        env = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-10)
        rise = np.diff(env)  # env[k]: the window centred on frame lo + k
        steepest = int(np.argmax(rise))
        if rise[steepest] <= 0.5:
            out.append(n)
            continue
        i = steepest
        while i > 0 and rise[i - 1] > 0:  # down the rise to where it began
            i -= 1
        start = min((lo + i) / rate, n.start)
        if out and out[-1].end > start:  # the line stays one voice: the note before ends where this one begins
            out[-1] = Note(out[-1].pitch, out[-1].start, start, out[-1].velocity)
        out.append(Note(n.pitch, start, n.end, n.velocity))
    return out


def parse_grid(text: str | None) -> float | None:
    """'1/8' -> 0.5 beats (a quarter-note beat); None or '' -> None."""
    if text in (None, "", "none"):
        return None
    try:
        num, den = (int(part) for part in str(text).split("/"))
    except ValueError:
        raise ParameterError(f"quantize must be a note value such as 1/4, 1/8 or 1/16, not {text!r}.") from None
    if num < 1 or den not in (1, 2, 4, 8, 16, 32):
        raise ParameterError(f"quantize must be a note value such as 1/4, 1/8 or 1/16, not {text!r}.")
    return 4.0 * num / den


def quantise(notes: list[Note], *, bpm: float, origin: float, grid_beats: float) -> list[Note]:
    """``notes`` snapped to a grid ``grid_beats`` beats apart from ``origin`` seconds, then shifted
    so that ``origin`` is time 0 (notes before it are dropped); every note keeps at least one step
    and starts no earlier than the end of the one before."""
    step = 60.0 / bpm * grid_beats
    out: list[Note] = []
    for n in notes:
        a = int(round((n.start - origin) / step))
        b = max(int(round((n.end - origin) / step)), a + 1)
        if a < 0:
            continue
        if out and a * step < out[-1].end - 1e-9:
            if out[-1].start >= a * step - 1e-9:  # two notes on one step: the louder stays
                if n.velocity <= out[-1].velocity:
                    continue
                out.pop()
            else:
                out[-1] = Note(out[-1].pitch, out[-1].start, a * step, out[-1].velocity)
        out.append(Note(n.pitch, a * step, b * step, n.velocity))
    return out


def to_score(notes: list[Note], *, bpm: float = 120.0, program: int = 0):
    """A one-instrument :class:`sonitus.Score` of ``notes`` at ``bpm`` (General MIDI ``program``)."""
    import pretty_midi
    from sonitus import Score

    midi = pretty_midi.PrettyMIDI(initial_tempo=float(bpm))
    midi.time_signature_changes.append(pretty_midi.TimeSignature(4, 4, 0.0))
    inst = pretty_midi.Instrument(program=int(program), name="Melody")
    for n in notes:
        inst.notes.append(pretty_midi.Note(int(n.velocity), int(n.pitch), float(n.start), float(n.end)))
    midi.instruments.append(inst)
    return Score(midi)
