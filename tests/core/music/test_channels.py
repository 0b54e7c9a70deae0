"""One channel rule for writing MIDI files and for rendering scores."""

import numpy as np
import pretty_midi
import pytest
from sonitus.errors import MusicError
from sonitus.music import Song, Track, parse_phrase
from sonitus.music.channels import DRUM_CHANNEL, assign_channels


def test_each_part_has_its_own_channel_while_they_last_then_a_program_shares():
    assert assign_channels([(0, False), (0, False), (33, False), (0, True)]) == [0, 1, 2, DRUM_CHANNEL]
    many = assign_channels([(i % 3, False) for i in range(20)] + [(0, True)])
    assert DRUM_CHANNEL not in many[:-1] and many[-1] == DRUM_CHANNEL
    assert {many[i] for i in range(20) if i % 3 == 1} == {many[1]}  # past 15 parts, a program keeps one channel
    with pytest.raises(MusicError, match="16 instruments with different programs"):
        assign_channels([(p, False) for p in range(16)])


def test_a_song_of_twenty_tracks_and_three_programs_can_be_written():
    """More than 15 pitched tracks used to be refused; tracks of one program now share a channel."""
    import io

    import mido

    tracks = [Track(program=p % 3 * 20, phrase=parse_phrase("C4/4 E4/4"), name=f"t{p}") for p in range(20)]
    song = Song(tempo=120, tracks=tracks)
    midi = mido.MidiFile(file=io.BytesIO(song.to_midi_bytes()))
    channels = {m.channel for track in midi.tracks for m in track if m.type == "note_on"}
    assert len(channels) == 3 and song.to_score().notes == 40


def test_the_renderer_keeps_two_parts_of_one_program_on_their_own_channels():
    """A pitch bend on one violin must not bend the other (they used to share a channel)."""
    from sonitus.plugins.music.renderer import FluidSynthRenderer

    midi = pretty_midi.PrettyMIDI()
    for bend in (0, 8191):
        violin = pretty_midi.Instrument(program=40)
        violin.notes.append(pretty_midi.Note(velocity=100, pitch=69, start=0.0, end=1.0))
        violin.pitch_bends.append(pretty_midi.PitchBend(bend, 0.0))
        midi.instruments.append(violin)
    from sonitus import Score

    events, setup = FluidSynthRenderer()._events(Score(midi))
    bends = {e[2][1]: e[2][2] for e in events if e[2][0] == "bend"}
    assert len(bends) == 2 and sorted(bends.values()) == [0, 8191]
    assert np.unique([c for c, _, _ in setup]).size == 2
