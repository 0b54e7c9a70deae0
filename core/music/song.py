"""Tracks and songs: phrases given instruments, tempo and meter, sections and arrangement.

A :class:`Song` becomes a :class:`sonitus.Score` (``song.to_score()``) through a standard
MIDI file written with mido at 480 ticks per beat, so what is written is exactly what a
MIDI file can hold and round-trips to the tick.
"""

from __future__ import annotations

import difflib
import io
from dataclasses import dataclass, field, replace
from fractions import Fraction

from sonitus.errors import MusicError
from sonitus.pipeline import Pipeline, Source
from sonitus.score import Score

from .channels import assign_channels
from .notation import parse_phrase
from .phrase import Note, Phrase
from .scales import Key

__all__ = ["Track", "Song", "instrument_program", "TICKS_PER_BEAT", "from_score", "check_tempo"]

TICKS_PER_BEAT = 480
#: the last tick pretty_midi reads (it calls a file with a later one corrupt)
MAX_TICKS = 10_000_000


def instrument_program(name: str | int) -> int:
    """General MIDI program 0-127 from a number or a name (``"piano"``, ``"Acoustic Grand Piano"``, ``"violin"``)."""
    import pretty_midi

    if isinstance(name, int):
        if not 0 <= name <= 127:
            raise MusicError(f"program {name} is outside the General MIDI range 0-127.")
        return name
    names = [pretty_midi.program_to_instrument_name(p) for p in range(128)]
    aliases = {"piano": 0, "grand piano": 0, "electric piano": 4, "organ": 19, "guitar": 24,
               "nylon guitar": 24, "steel guitar": 25, "electric guitar": 27, "bass": 33, "acoustic bass": 32,
               "violin": 40, "viola": 41, "cello": 42, "contrabass": 43, "strings": 48, "choir": 52,
               "trumpet": 56, "trombone": 57, "tuba": 58, "horn": 60, "french horn": 60, "sax": 65,
               "alto sax": 65, "tenor sax": 66, "oboe": 68, "bassoon": 70, "clarinet": 71, "flute": 73,
               "recorder": 74, "pad": 88, "harp": 46, "marimba": 12, "vibraphone": 11, "celesta": 8,
               "harpsichord": 6, "synth lead": 80, "synth bass": 38}
    key = name.strip().lower()
    if key in aliases:
        return aliases[key]
    lowered = [n.lower() for n in names]
    if key in lowered:
        return lowered.index(key)
    close = difflib.get_close_matches(key, list(dict.fromkeys(list(aliases) + lowered)), n=4, cutoff=0.5)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise MusicError(f"unknown instrument {name!r}.{hint} Use a General MIDI name or a program number 0-127.")


@dataclass(frozen=True)
class Track:
    """A phrase played by one instrument (or the drum kit on MIDI channel 10)."""

    name: str
    phrase: Phrase
    program: int = 0
    is_drum: bool = False

    def transform(self, function) -> Track:
        """A track whose phrase is ``function(phrase)``."""
        return replace(self, phrase=function(self.phrase))

    def __getattr__(self, attr: str):
        # Phrase transformations are available on tracks: track.transpose(2), track.retrograde()...
        method = getattr(Phrase, attr, None)
        if method is None or attr.startswith("_"):
            raise AttributeError(attr)
        return lambda *a, **k: replace(self, phrase=method(self.phrase, *a, **k))

    def __add__(self, other: Track | Phrase) -> Track:
        return replace(self, phrase=self.phrase + (other.phrase if isinstance(other, Track) else other))

    def __and__(self, other: Track | Phrase) -> Track:
        return replace(self, phrase=self.phrase & (other.phrase if isinstance(other, Track) else other))


#: the tempo range a MIDI file can carry: set_tempo holds microseconds a beat in 24 bits
MIN_TEMPO, MAX_TEMPO = 60_000_000 / 0xFFFFFF, 1000.0


def check_tempo(bpm) -> None:
    """A MusicError unless ``bpm`` is a number of beats per minute that MIDI can carry."""
    try:
        value = float(bpm)
    except (TypeError, ValueError):
        raise MusicError(f"tempo must be a number of beats per minute, not {bpm!r}.") from None
    if not MIN_TEMPO <= value <= MAX_TEMPO:
        raise MusicError(f"tempo {bpm} bpm is out of range: MIDI can carry {MIN_TEMPO:.2f}-{MAX_TEMPO:g} bpm.")


def _check_bar(bar) -> None:
    if isinstance(bar, bool) or not isinstance(bar, int) or bar < 1:
        raise MusicError(f"bars are counted from 1; got bar {bar!r}.")


@dataclass(frozen=True)
class Song:
    """Tracks with a tempo and a meter (and changes of them), plus named sections.

    ``song + track`` adds a track; ``song + other_song`` layers their tracks. Tempo and
    meter changes are ``(beat, value)`` pairs.
    """

    tempo: float = 120.0
    meter: str = "4/4"
    tracks: tuple[Track, ...] = ()
    tempo_changes: tuple[tuple[Fraction, float], ...] = ()
    meter_changes: tuple[tuple[Fraction, str], ...] = ()
    sections: dict[str, tuple[Track, ...]] = field(default_factory=dict)
    key: Key | None = None

    def __post_init__(self) -> None:
        check_tempo(self.tempo)
        _meter(self.meter)

    @property
    def beats_per_bar(self) -> Fraction:
        n, d = _meter(self.meter)
        return Fraction(4 * n, d)

    @property
    def length(self) -> Fraction:
        """Length in beats: the longest track."""
        return max((t.phrase.length for t in self.tracks), default=Fraction(0))

    def __add__(self, other: Track | Song) -> Song:
        if isinstance(other, Track):
            return replace(self, tracks=self.tracks + (other,))
        if isinstance(other, Song):
            return replace(self, tracks=self.tracks + other.tracks)
        return NotImplemented

    def add(self, *tracks: Track) -> Song:
        return replace(self, tracks=self.tracks + tracks)

    def transform(self, function, *, tracks: str | None = None) -> Song:
        """Apply ``function(phrase)`` to every track (or to the tracks named ``tracks``, comma-separated)."""
        names = None if tracks is None else {n.strip() for n in tracks.split(",")}
        return replace(self, tracks=tuple(t.transform(function) if names is None or t.name in names else t
                                          for t in self.tracks))

    def transpose(self, semitones: int) -> Song:
        """Transpose every pitched track (drums stay)."""
        return replace(self, tracks=tuple(t if t.is_drum else t.transform(lambda p: p.transpose(semitones))
                                          for t in self.tracks))

    def change_tempo(self, bar: int, bpm: float) -> Song:
        """Set the tempo to ``bpm`` from the start of ``bar`` (1-based)."""
        _check_bar(bar)
        check_tempo(bpm)
        return replace(self, tempo_changes=self.tempo_changes + ((self.beats_per_bar * (bar - 1), float(bpm)),))

    def change_meter(self, bar: int, meter: str) -> Song:
        """Set the meter from the start of ``bar`` (1-based; bars before it use the current meter)."""
        _check_bar(bar)
        _meter(meter)
        return replace(self, meter_changes=self.meter_changes + ((self.beats_per_bar * (bar - 1), meter),))

    def section(self, name: str, *tracks: Track) -> Song:
        """Name a section made of ``tracks`` (played together) for :meth:`arrange`."""
        return replace(self, sections={**self.sections, name: tracks})

    def arrange(self, form: str) -> Song:
        """Lay sections end to end: ``song.arrange("A A B A")``; tracks are joined by name."""
        order = form.split()
        missing = [n for n in order if n not in self.sections]
        if missing:
            raise MusicError(f"unknown section(s) {', '.join(missing)}; defined: {', '.join(self.sections) or 'none'}.")
        joined: dict[str, Track] = {}
        position = Fraction(0)
        for name in order:
            tracks = self.sections[name]
            span = max((t.phrase.length for t in tracks), default=Fraction(0))
            for t in tracks:
                base = joined.get(t.name, replace(t, phrase=Phrase()))
                gap = position - base.phrase.length
                padded = base.phrase + Phrase((), gap) if gap > 0 else base.phrase
                joined[t.name] = replace(base, phrase=padded + t.phrase)
            position += span
        return replace(self, tracks=self.tracks + tuple(joined.values()))

    # -- conversion -------------------------------------------------------------------
    def to_midi_bytes(self) -> bytes:
        """A standard MIDI file (type 1, 480 ticks per beat)."""
        import mido

        def ticks(beats: Fraction) -> int:
            return round(beats * TICKS_PER_BEAT)

        if ticks(self.length) > MAX_TICKS:
            hours = float(self.length) * 60.0 / self.tempo / 3600.0
            raise MusicError(f"The song is {float(self.length):,.0f} beats long ({hours:.1f} h at {self.tempo:g} bpm); "
                             f"a MIDI file sonitus reads holds up to {MAX_TICKS // TICKS_PER_BEAT:,} beats: "
                             "split it into parts.")
        midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
        meta = [(0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(self.tempo), time=0))]
        n, d = _meter(self.meter)
        meta.append((0, mido.MetaMessage("time_signature", numerator=n, denominator=d, time=0)))
        meta += [(ticks(b), mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
                 for b, bpm in self.tempo_changes]
        for b, m in self.meter_changes:
            n, d = _meter(m)
            meta.append((ticks(b), mido.MetaMessage("time_signature", numerator=n, denominator=d, time=0)))
        midi.tracks.append(_delta(sorted(meta, key=lambda e: e[0]) + [(ticks(self.length), mido.MetaMessage("end_of_track", time=0))]))
        channels = assign_channels([(track.program, track.is_drum) for track in self.tracks])
        for track, channel in zip(self.tracks, channels):
            events = [(0, 0, mido.MetaMessage("track_name", name=track.name, time=0))]
            if not track.is_drum:
                events.append((0, 1, mido.Message("program_change", channel=channel, program=track.program, time=0)))
            for note in track.phrase.notes:
                on = ticks(note.start)
                off = on + max(1, ticks(note.duration * Fraction(note.gate).limit_denominator(1000)))
                events.append((on, 3, mido.Message("note_on", channel=channel, note=note.pitch,
                                                   velocity=note.velocity, time=0)))
                events.append((off, 2, mido.Message("note_off", channel=channel, note=note.pitch, velocity=0, time=0)))
            events.sort(key=lambda e: (e[0], e[1]))
            midi.tracks.append(_delta([(t, m) for t, _, m in events]))
        buffer = io.BytesIO()
        midi.save(file=buffer)
        return buffer.getvalue()

    def to_score(self) -> Score:
        """The song as a :class:`sonitus.Score`."""
        import pretty_midi

        return Score(pretty_midi.PrettyMIDI(io.BytesIO(self.to_midi_bytes())))

    def as_stage(self) -> Source:
        """Let a song start a pipeline: ``(song >> m.fluidsynth() >> m.save("x.wav")).run()``."""
        return Source(self.to_score(), name="song")

    def __rshift__(self, other):
        return Pipeline([self.as_stage(), other])

    def save(self, path) -> object:
        """Write the song as a MIDI file."""
        return self.to_score().save(path)

    def _repr_html_(self) -> str:
        return self.to_score()._repr_html_()


def _delta(events):
    import mido

    out = mido.MidiTrack()
    last = 0
    for t, message in events:
        out.append(message.copy(time=t - last))
        last = t
    return out


def _meter(text: str) -> tuple[int, int]:
    try:
        n, d = (int(x) for x in text.split("/"))
    except ValueError:
        raise MusicError(f"meter {text!r} is not of the form n/d, e.g. 3/4.") from None
    if not 1 <= n <= 64 or d not in (1, 2, 4, 8, 16, 32):
        raise MusicError(f"meter {text!r} needs a numerator from 1 to 64 and a power-of-two denominator (1-32).")
    return n, d


def from_score(score: Score) -> Song:
    """A song from any Score (e.g. a loaded MIDI file), so the DSL can transform it."""
    midi = score.midi
    resolution = midi.resolution

    def beats(seconds: float) -> Fraction:
        return Fraction(midi.time_to_tick(seconds), resolution)

    tracks = []
    for i, inst in enumerate(midi.instruments):
        notes = tuple(Note(n.pitch, beats(n.start), max(Fraction(1, resolution), beats(n.end) - beats(n.start)),
                           max(1, n.velocity), 1.0) for n in sorted(inst.notes, key=lambda n: (n.start, n.pitch)))
        tracks.append(Track(inst.name or f"track{i + 1}", Phrase(notes), inst.program, inst.is_drum))
    times, tempi = midi.get_tempo_changes()
    tempo_changes = tuple((beats(t), float(b)) for t, b in zip(times[1:], tempi[1:]))
    meters = midi.time_signature_changes
    meter_changes = tuple((beats(ts.time), f"{ts.numerator}/{ts.denominator}") for ts in meters[1:])
    return Song(tempo=float(tempi[0]) if len(tempi) else 120.0, meter=score.meter, tracks=tuple(tracks),
                tempo_changes=tempo_changes, meter_changes=meter_changes)


def new_song(tempo: float = 120.0, meter: str = "4/4", key: str | None = None) -> Song:
    """An empty song (``tempo`` in bpm, ``meter`` such as ``"3/4"``, ``key`` such as ``"Bb major"``);
    add tracks with ``+``."""
    check_tempo(tempo)
    return Song(tempo=float(tempo), meter=meter, key=None if key is None else Key.parse(key))


def parse_track(name: str, notation: str | Phrase, *, instrument: str | int = "piano", key: Key | str | None = None,
                octave: int = 4, velocity: int = 80, drums: bool = False) -> Track:
    phrase = notation if isinstance(notation, Phrase) else parse_phrase(notation, key=key, drums=drums,
                                                                       octave=octave, velocity=velocity)
    return Track(name, phrase, 0 if drums else instrument_program(instrument), drums)
