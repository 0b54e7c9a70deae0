"""Hostile input gets a clear error, not a crash: huge FFTs, absurd sample rates, plugins that exit."""

import numpy as np
import pytest
from sonitus import Audio
from sonitus.dsl import stage
from sonitus.errors import ParameterError


@pytest.mark.parametrize("n_fft", [2**24, 8, 512.5, True])
def test_spectral_sizes_are_checked_before_any_work(n_fft):
    with pytest.raises(ParameterError, match="n_fft"):
        stage("logmel", n_fft=n_fft)


@pytest.mark.parametrize("rate", [2**31, 0, -5, 44100.5])
def test_absurd_sample_rates_are_refused(rate):
    audio = Audio(np.zeros((1, 1600), np.float32), 16000)
    with pytest.raises(ParameterError, match="sample rate"):
        audio.resample(rate)
    with pytest.raises(ParameterError, match="sample rate"):
        stage("resample", sample_rate=rate)


def test_a_plugin_that_calls_sys_exit_is_isolated():
    import sys

    from sonitus import hookimpl
    from sonitus.testing import make_registry

    class Exits:
        @hookimpl
        def register_preprocessors(register):  # noqa: N805 - a hook module's function
            sys.exit(3)

    registry = make_registry(Exits)
    record = next(r for r in registry.plugins() if r.error)
    assert "sys.exit(3)" in record.error


@pytest.mark.parametrize("header, culprit", [
    ("tempo: fast", "tempo must be a number"),
    ("tempo: 96\nmeter: 5/0", "meter"),
    ("key: H major", "key"),
    ("tempo: 2", "MIDI can carry 3.58-1000 bpm"),
    ("tempo: 96\nKey: G major\ntempo: 120", r"tempo: is set twice \(first '96', then '120'\) at line 3"),
])
def test_song_text_errors_name_the_setting_at_fault(header, culprit):
    from sonitus.errors import DSLSyntaxError, MusicError
    from sonitus.music.songtext import parse_song_text

    with pytest.raises((MusicError, DSLSyntaxError), match=culprit) as info:
        parse_song_text(f"{header}\n[piano]\nC4 D4 E4\n")
    if "tempo" not in header.split("\n")[-1]:
        assert "tempo" not in str(info.value)


@pytest.mark.parametrize("call, culprit", [
    (lambda s: s.change_tempo(2, 0), "tempo 0 bpm is out of range"),
    (lambda s: s.change_tempo(0, 120), "bars are counted from 1"),
    (lambda s: s.change_meter(-1, "3/4"), "bars are counted from 1"),
])
def test_tempo_and_bar_changes_are_checked_when_made(call, culprit):
    from sonitus.dsl import music as m
    from sonitus.errors import MusicError

    with pytest.raises(MusicError, match=culprit):
        call(m.song(tempo=100))


@pytest.mark.parametrize("options, culprit", [
    ({"n_mels": 0}, "n_mels must be between 1 and 1024"),
    ({"n_mels": -3}, "n_mels must be between 1 and 1024"),
    ({"n_mels": 40.5}, "n_mels must be a whole number"),
    ({"n_mfcc": 0}, "n_mfcc must be between 1 and 128"),
    ({"n_mfcc": 200, "n_mels": 40}, "n_mfcc must be between 1 and 40"),
])
def test_mel_and_mfcc_counts_are_checked_at_the_boundary(options, culprit):
    from sonitus.dsp.features import mfcc

    with pytest.raises(ParameterError, match=culprit):
        stage("mfcc", **options)
    if "n_mfcc" in options:
        with pytest.raises(ParameterError, match="n_mfcc must be between"):
            mfcc(np.zeros(4000, np.float32), sample_rate=16000, **options)


def test_crafted_and_misplaced_checkpoints_get_a_checkpoint_error(tmp_path):
    from sonitus.checkpoints import load_checkpoint, save_checkpoint
    from sonitus.errors import CheckpointError
    from sonitus.plugins.asr.recognizer import load_model
    from sonitus.plugins.hmm.words import WordModels

    crafted = save_checkpoint(tmp_path / "crafted.ckpt", {"weights": np.zeros(3)}, model="sonitus-asr-ctc")
    with pytest.raises(CheckpointError, match="'params'"):
        load_model(str(crafted))
    hmm = save_checkpoint(tmp_path / "hmm.ckpt", {"startprob": np.zeros(3)}, model="hmm-words")
    with pytest.raises(CheckpointError, match="'transmat'"):
        WordModels.load(hmm)
    with pytest.raises(CheckpointError, match="is a folder; give a checkpoint file such as"):
        load_checkpoint(tmp_path)


@pytest.mark.parametrize("text, culprit", [("C² D4", "needs an octave"), ("(" * 100 + "C4" + ")" * 100, "nest"),
                                           ("C4/²", "note value")])
def test_music_text_that_would_crash_the_parser_is_a_syntax_error(text, culprit):
    from sonitus.dsl.music import parse_phrase
    from sonitus.errors import DSLSyntaxError

    with pytest.raises(DSLSyntaxError, match=culprit):
        parse_phrase(text)


def test_an_empty_manifest_is_a_dataset_error(tmp_path):
    from cli_helpers import run_cli

    (tmp_path / "empty.tsv").write_text("# no rows yet\n")
    result = run_cli("eval", "asr", str(tmp_path / "empty.tsv"))
    assert result.returncode == 1 and "lists no utterances" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("value, said", [(None, "not nothing"), ("talk.wav", "not str 'talk.wav'"), (3, "not int 3")])
def test_a_stage_given_the_wrong_thing_says_what_it_takes(value, said):
    from sonitus.errors import StageTypeMismatchError

    with pytest.raises(StageTypeMismatchError, match=f"'logmel' takes Audio, {said}"):
        stage("logmel")(value)
    with pytest.raises(StageTypeMismatchError, match=f"Pipeline 'to-mono >> logmel' takes Audio, {said}"):
        (stage("to-mono") >> stage("logmel"))(value)


def test_values_that_would_be_silently_changed_are_refused():
    with pytest.raises(ParameterError, match="not complex"):
        Audio(np.ones((1, 100), np.complex64), 16000)
    with pytest.raises(ParameterError, match="gain must be between 0 and 10"):
        stage("fluidsynth", gain=-1)
    with pytest.raises(ParameterError, match="sample_rate must be a whole number"):
        stage("fluidsynth", sample_rate=44100.5)


def test_a_note_never_switched_off_is_reported_not_silently_dropped(tmp_path):
    import mido
    from sonitus import Score

    track = mido.MidiTrack([mido.Message("note_on", note=60, velocity=90, time=0),
                            mido.Message("note_off", note=60, velocity=0, time=480),
                            mido.Message("note_on", note=64, velocity=90, time=0),
                            mido.MetaMessage("end_of_track", time=960)])
    mido.MidiFile(tracks=[track]).save(tmp_path / "open.mid")
    with pytest.warns(UserWarning, match="1 note"):
        score = Score.load(tmp_path / "open.mid")
    assert score.notes == 1
