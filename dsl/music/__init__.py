"""The music-composition DSL.

>>> from sonitus.dsl import music as m
>>> song = m.song(tempo=96, meter="3/4") + m.track("piano", "C4/8 E4/8 G4/4 [C4 E4 G4]/2.")
>>> song.to_score().notes
6

Write phrases in the mini-notation (see :mod:`sonitus.music.notation`) or build
them with :func:`note`, :func:`chord`, :func:`euclid`; transform them (``transpose``,
``transpose_diatonic``, ``invert``, ``retrograde``, ``augment``, ``diminish``,
``repeat``, ``arpeggiate``, ``crescendo``, ``staccato``...); put them on tracks with
General MIDI instruments; and render:

    (song >> m.fluidsynth() >> m.save("song.wav")).run()
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

from sonitus.dsl import save
from sonitus.errors import ParameterError
from sonitus.music import (
    CHORD_QUALITIES,
    DRUMS,
    DYNAMICS,
    SCALES,
    Key,
    Note,
    Phrase,
    Song,
    Track,
    chord_pitches,
    euclid,
    from_score,
    instrument_program,
    key,
    new_song,
    parse_phrase,
    parse_pitch,
    parse_track,
    pitch_name,
    read_song_text,
    rest,
)
from sonitus.registry import get_registry
from sonitus.score import Score
from sonitus.stages import StageBase

__all__ = [
    "CHORD_QUALITIES", "DRUMS", "DYNAMICS", "SCALES", "Key", "Note", "Phrase", "Song", "Track",
    "chord", "chord_pitches", "drums", "euclid", "fluidsynth", "from_score", "generate", "instrument_program",
    "key", "load", "note", "parse_pitch", "pitch_name", "progression", "render", "rest", "save", "seq", "song",
    "track",
]


def song(tempo: float = 120.0, meter: str = "4/4", key: str | None = None) -> Song:
    """An empty song; add tracks with ``+``."""
    return new_song(tempo, meter, key)


def seq(notation: str, *, key: str | Key | None = None, octave: int = 4, velocity: int = 80,
        drums: bool = False) -> Phrase:
    """A phrase from mini-notation, e.g. ``seq("C4/8 E4 G4/4 r/4")``."""
    return parse_phrase(notation, key=key, octave=octave, velocity=velocity, drums=drums)


def track(instrument: str | int, notation: str | Phrase, *, name: str | None = None, key: str | Key | None = None,
          octave: int = 4, velocity: int = 80) -> Track:
    """A track for a General MIDI ``instrument`` (name or program) playing ``notation`` or a Phrase."""
    label = name or (instrument if isinstance(instrument, str) else f"program {instrument}")
    return parse_track(label, notation, instrument=instrument, key=key, octave=octave, velocity=velocity)


def drums(notation: str | Phrase, *, name: str = "drums", velocity: int = 90) -> Track:
    """A drum track (MIDI channel 10) from drum names: ``drums("kick/4 hat/8 hat snare/4 hat")``."""
    return parse_track(name, notation, drums=True, velocity=velocity)


def note(pitch: str | int, duration: Fraction | int | float = 1, velocity: int = 80) -> Phrase:
    """One note, ``duration`` in beats."""
    return Phrase((Note(parse_pitch(pitch), Fraction(0), Fraction(duration), velocity),))


def chord(symbol_or_pitches: str | list, duration: Fraction | int | float = 4, *, octave: int = 4,
          velocity: int = 80) -> Phrase:
    """A chord by symbol (``"G7/B"``) or pitches (``["C4", "E4", "G4"]``), ``duration`` in beats."""
    pitches = (chord_pitches(symbol_or_pitches, octave) if isinstance(symbol_or_pitches, str)
               else [parse_pitch(p) for p in symbol_or_pitches])
    d = Fraction(duration)
    return Phrase(tuple(Note(p, Fraction(0), d, velocity) for p in pitches), d)


def progression(symbols: str, *, beats: Fraction | int | float = 4, octave: int = 4, velocity: int = 70) -> Phrase:
    """Chords one after another: ``progression("C Am F G7")``, each ``beats`` long."""
    out = Phrase()
    for symbol in symbols.split():
        out = out + chord(symbol, beats, octave=octave, velocity=velocity)
    return out


def load(path: str | os.PathLike[str]) -> Song:
    """Read a song the DSL can transform: a MIDI file, or a song in the text format (.txt,
    :mod:`sonitus.music.songtext`; parsed, never run)."""
    if Path(path).suffix.lower() == ".txt":
        return read_song_text(path)
    return from_score(Score.load(path))


def fluidsynth(**options: Any) -> StageBase:
    """The FluidSynth renderer stage (Score -> Audio); options: soundfont, sample_rate, reverb, chorus, gain."""
    return get_registry().stage("fluidsynth", **options)


def render(score_or_song: Score | Song, **options: Any):
    """Render a Score or Song to Audio with FluidSynth."""
    score = score_or_song.to_score() if isinstance(score_or_song, Song) else score_or_song
    return fluidsynth(**options)(score)


def generate(name: str, **options: Any) -> StageBase:
    """A registered generator stage, e.g. ``generate("chorale-gan", bars=8, seed=3)``.

    Its output Score starts a pipeline, and ``m.from_score(...)`` turns it into a Song the
    DSL can transform and layer with written tracks.
    """
    registry = get_registry()
    kind = registry.spec(name).kind
    if kind != "generator":
        generators = ", ".join(spec.name for spec in registry.specs("generator"))
        raise ParameterError(f"generate() takes a generator ({generators}); '{name}' is a {kind}: build it with "
                             f"stage({name!r}).")
    return registry.stage(name, **options)
