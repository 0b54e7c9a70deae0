import numpy as np
import pytest
from sonitus import Audio, Transcript, dsl
from sonitus.dsl import load, save, stage, text
from sonitus.errors import ParameterError, StageTypeMismatchError
from sonitus.stages import FunctionStage


def test_load_stage_save_end_to_end(wav_path, tmp_path):
    out = tmp_path / "mono.flac"
    result = (load(wav_path) >> stage("to-mono") >> stage("resample", sample_rate=8000)
              >> stage("gain", db=6) >> save(out)).run()
    assert result == out
    audio = Audio.load(out)
    assert audio.channels == 1 and audio.sample_rate == 8000 and audio.frames == 8000


def test_attribute_access_reaches_registered_stages():
    assert dsl.to_mono().name == "to-mono"
    assert dsl.resample(sample_rate=8000).options == {"sample_rate": 8000, "quality": "HQ"}
    with pytest.raises(AttributeError, match="Did you mean"):
        dsl.to_mnoo  # noqa: B018
    names = dir(dsl)  # what tab completion offers: the stages, not the module's imports
    assert {"to_mono", "resample", "logmel", "load", "stage", "music"} <= set(names)
    assert not {"Any", "os", "annotations"} & set(names)


def test_load_without_a_path_maps_over_paths(wav_path, tmp_path):
    second = tmp_path / "second.wav"
    Audio.load(wav_path).resample(8000).save(second)
    clips = (load() >> stage("to-mono")).map([wav_path, second], batch_size=2)
    assert [c.sample_rate for c in clips] == [16000, 8000]


def test_text_ends_a_recognition_pipeline():
    recognise = FunctionStage("fake-asr", lambda a: Transcript("hello world"), consumes=Audio,
                              produces=Transcript)
    assert (Audio(np.zeros(100), 8000) >> recognise >> text()).run() == "hello world"
    with pytest.raises(StageTypeMismatchError, match="'load' produces Audio but 'text' consumes Transcript"):
        load("x.wav") >> text()


def test_save_refuses_a_score_as_wav(tmp_path):
    import pretty_midi
    from sonitus import Score

    with pytest.raises(ParameterError, match="saved as MIDI"):
        (Score(pretty_midi.PrettyMIDI()) >> save(tmp_path / "x.wav")).run()


def test_third_party_stage_in_a_dsl_pipeline(example_plugin_installed, wav_path, tmp_path):
    out = tmp_path / "faded.wav"
    (load(wav_path) >> stage("example-fade", seconds=0.25) >> save(out)).run()
    faded = Audio.load(out)
    assert faded.samples[0, 0] == 0.0 and np.max(np.abs(faded.samples[0, 7000:9000])) > 0.45
    assert dsl.example_zcr().run(faded).kind == "zcr"


def test_a_broken_plugin_does_not_break_importing_the_music_dsl(monkeypatch):
    import importlib
    import sys

    import sonitus
    from sonitus.errors import PluginError

    def broken(name):
        raise PluginError("a plugin failed to load", plugin="x")

    monkeypatch.setattr(sonitus.get_registry(), "spec", broken)
    monkeypatch.delitem(sys.modules, "sonitus.dsl.music", raising=False)
    dsl = importlib.import_module("sonitus.dsl")
    monkeypatch.delattr(dsl, "music", raising=False)
    from sonitus.dsl import music

    assert music.__name__ == "sonitus.dsl.music"
