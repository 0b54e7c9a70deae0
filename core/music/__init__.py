"""The music model that the DSL, the plugins and the CLI share (the library layer): pitches,
scales and keys, chords, notes and phrases, the mini-notation, tracks and songs, the song-text format
(:mod:`.songtext`), and Song -> Score. :mod:`sonitus.dsl.music` is the composing façade over it.

>>> from sonitus.music import parse_phrase, Song, Track
>>> Song(tempo=120, tracks=[Track(program=0, phrase=parse_phrase("C4/4 E4/4 G4/2"))]).to_score().notes
3
"""

from __future__ import annotations

from .chords import CHORD_QUALITIES, chord_pitches
from .notation import DRUMS, parse_phrase
from .phrase import DYNAMICS, Note, Phrase, euclid, rest
from .pitch import parse_pitch, pitch_name
from .scales import SCALES, Key, key
from .song import Song, Track, check_tempo, from_score, instrument_program, new_song, parse_track
from .songtext import parse_song_text, read_song_text

__all__ = ["CHORD_QUALITIES", "DRUMS", "DYNAMICS", "SCALES", "Key", "Note", "Phrase", "Song", "Track",
           "check_tempo", "chord_pitches", "euclid", "from_score", "instrument_program", "key", "new_song", "parse_phrase",
           "parse_pitch", "parse_song_text", "parse_track", "pitch_name", "read_song_text", "rest"]
