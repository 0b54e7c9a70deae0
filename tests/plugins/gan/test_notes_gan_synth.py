"""The notes-gan-synth renderer: a Score played note by note by the shipped notes GAN."""

import numpy as np
import pytest
from sonitus.dsl import music as m
from sonitus.dsl import stage
from sonitus.errors import ParameterError, ScoreError
from sonitus.plugins.gan.notes_gan_synth import family_of_program


def test_general_midi_programs_map_to_families():
    assert [family_of_program(p) for p in (0, 19, 21, 25, 42, 48, 56, 65, 73, 118)] == [
        "piano", "organ", "organ", "guitar", "strings", "strings", "brass", "brass", "flute", "piano"]


def test_a_melody_is_played_at_its_pitches_and_length():
    from sonitus.dsp.pitch import note_f0

    # C7 (96) is above the model's range (36-84): it is played an octave lower
    song = m.song(tempo=120).add(m.track("flute", "C4/4 G4/4 E5/4 C7/4"))
    audio = (song.as_stage() >> stage("notes-gan-synth", seed=2))()
    assert audio.sample_rate == 16000 and audio.channels == 1
    assert abs(audio.duration - (song.to_score().duration + 0.08)) < 0.01  # the last note's end + the release
    played = []
    for start in (0.0, 0.5, 1.0, 1.5):
        segment = audio.mono[int(start * 16000) + 800:int(start * 16000) + 7200]
        played.append(12 * np.log2(note_f0(segment, sample_rate=16000) / 440) + 69)
    np.testing.assert_allclose(played, [60, 67, 76, 84], atol=0.8)
    assert abs(20 * np.log10(np.max(np.abs(audio.mono))) + 1.0) < 0.1  # peak at -1 dBFS, as FluidSynth renders
    quiet = (song.as_stage() >> stage("notes-gan-synth", seed=2, peak_db=None))()
    assert np.max(np.abs(quiet.mono)) < 0.5 * np.max(np.abs(audio.mono))  # the notes' own level


def test_scores_without_pitched_notes_and_bad_options_are_refused():
    with pytest.raises(ScoreError, match="no pitched notes"):
        (m.song().add(m.drums("kick snare")).as_stage() >> stage("notes-gan-synth"))()
    with pytest.raises(ParameterError, match="kazoo"):
        stage("notes-gan-synth", instrument="kazoo")


def test_compose_and_render_take_another_renderer(tmp_path):
    import soundfile as sf
    from cli_helpers import run_cli

    song = tmp_path / "song.txt"
    song.write_text("tempo: 120\n\n[melody: trumpet]\nC4/4 E4 G4 C5 |\n")
    result = run_cli("compose", str(song), "-o", str(tmp_path / "gan.wav"), "--renderer", "notes-gan-synth",
                     "--sample-rate", "22050")
    assert result.returncode == 0, result.stderr
    data, rate = sf.read(tmp_path / "gan.wav")
    assert rate == 22050 and 1.9 < len(data) / rate < 2.3 and np.max(np.abs(data)) > 0.01
    refused = run_cli("render", str(tmp_path / "x.mid"), "-o", str(tmp_path / "y.wav"), "--renderer", "logmel")
    assert refused.returncode != 0
