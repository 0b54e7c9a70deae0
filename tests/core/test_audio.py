import os

import numpy as np
import pytest
import soundfile as sf
from sonitus import Audio
from sonitus.errors import (
    AudioError,
    AudioNotFoundError,
    EmptyAudioError,
    NonFiniteAudioError,
    NotAudioError,
    ParameterError,
    TruncatedAudioError,
)


def _signal(channels: int, frames: int = 4000, rate: int = 16000) -> np.ndarray:
    t = np.arange(frames) / rate
    return np.stack([0.5 * np.sin(2 * np.pi * (220 * (c + 1)) * t) for c in range(channels)], axis=1)


@pytest.mark.parametrize("fmt,subtype", [
    ("WAV", "PCM_U8"), ("WAV", "PCM_16"), ("WAV", "PCM_24"), ("WAV", "PCM_32"), ("WAV", "FLOAT"),
    ("WAV", "DOUBLE"), ("FLAC", "PCM_16"), ("FLAC", "PCM_24"), ("FLAC", "PCM_S8"), ("OGG", "VORBIS"),
])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_load_reads_every_depth_and_channel_count(tmp_path, fmt, subtype, channels):
    data = _signal(channels)
    path = tmp_path / f"x.{fmt.lower()}"
    sf.write(path, data, 16000, format=fmt, subtype=subtype)
    audio = Audio.load(path)
    assert audio.samples.dtype == np.float32
    assert audio.channels == channels and audio.sample_rate == 16000
    tolerance = {"PCM_U8": 0.02, "PCM_S8": 0.02, "VORBIS": 0.1}.get(subtype, 1e-3)
    assert np.max(np.abs(audio.samples.T[: data.shape[0]] - data)) < tolerance


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000, 96000])
def test_load_keeps_any_rate_and_resamples_on_request(tmp_path, rate):
    path = tmp_path / "x.wav"
    sf.write(path, _signal(1, frames=rate, rate=rate), rate)
    audio = Audio.load(path)
    assert audio.sample_rate == rate and audio.frames == rate
    resampled = Audio.load(path, sample_rate=16000, mono=True)
    assert resampled.sample_rate == 16000 and abs(resampled.frames - 16000) <= 1


def test_resample_keeps_the_pitch():
    t = np.arange(44100) / 44100
    audio = Audio(np.sin(2 * np.pi * 1000 * t), 44100).resample(16000)
    spectrum = np.abs(np.fft.rfft(audio.samples[0]))
    peak_hz = np.argmax(spectrum) * 16000 / audio.frames
    assert abs(peak_hz - 1000) < 2


def test_to_mono_averages_channels():
    audio = Audio(np.array([[1.0, 0.0], [0.0, 1.0]], np.float32), 8000)
    np.testing.assert_allclose(audio.to_mono().samples, [[0.5, 0.5]])
    assert audio.to_mono().to_mono() == audio.to_mono()


def test_missing_file(tmp_path):
    with pytest.raises(AudioNotFoundError, match="does not exist"):
        Audio.load(tmp_path / "nope.wav")


def test_not_audio(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("this is not audio\n" * 20)
    with pytest.raises(NotAudioError, match="not an audio file"):
        Audio.load(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(EmptyAudioError, match="empty"):
        Audio.load(path)


def test_file_with_no_frames(tmp_path):
    path = tmp_path / "silent.wav"
    sf.write(path, np.zeros((0, 1)), 16000)
    with pytest.raises(EmptyAudioError, match="no audio samples"):
        Audio.load(path)


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg"])
def test_truncated_file(tmp_path, ext):
    whole = tmp_path / f"whole.{ext}"
    sf.write(whole, _signal(1, frames=16000), 16000)
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(whole.read_bytes()[: os.path.getsize(whole) // 2])
    with pytest.raises(TruncatedAudioError, match="re-copy"):
        Audio.load(cut)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_in_a_file(tmp_path, bad):
    data = _signal(1)
    data[100, 0] = bad
    path = tmp_path / "bad.wav"
    sf.write(path, data, 16000, subtype="FLOAT")
    with pytest.raises(NonFiniteAudioError, match="NaN or infinite"):
        Audio.load(path)


def test_every_audio_error_is_a_sonitus_error():
    for cls in (AudioNotFoundError, EmptyAudioError, NotAudioError, TruncatedAudioError,
                NonFiniteAudioError):
        assert issubclass(cls, AudioError)


def test_save_round_trips(tmp_path):
    audio = Audio(_signal(2).T, 16000)
    path = audio.save(tmp_path / "out.flac", subtype="PCM_24")
    back = Audio.load(path)
    assert back.channels == 2 and np.max(np.abs(back.samples - audio.samples)) < 1e-5


def test_failed_save_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.wav"
    target.write_bytes(b"previous content")
    with pytest.raises(ParameterError):
        Audio(_signal(1).T, 16000).save(target, subtype="NOT_A_SUBTYPE")
    assert target.read_bytes() == b"previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]


def test_bad_shapes_and_rates_are_errors():
    with pytest.raises(ParameterError, match="channels, frames"):
        Audio(np.zeros((1, 2, 3)), 16000)
    with pytest.raises(ParameterError, match="positive"):
        Audio(np.zeros(10), 0)


def test_levels():
    audio = Audio(np.full((1, 100), 0.5, np.float32), 8000)
    assert audio.peak_dbfs() == pytest.approx(-6.0206, abs=1e-3)
    assert audio.rms_dbfs() == pytest.approx(-6.0206, abs=1e-3)
    assert Audio(np.zeros((1, 10)), 8000).peak_dbfs() == float("-inf")


def test_levels_are_streamed_and_equal_the_loaded_ones(tmp_path):
    import soundfile as sf

    rng = np.random.default_rng(0)
    x = (0.3 * rng.standard_normal((50000, 3))).astype(np.float32)
    sf.write(tmp_path / "a.wav", x, 16000, subtype="FLOAT")
    frames, peak, rms = Audio.levels(tmp_path / "a.wav", block_frames=4096)
    audio = Audio.load(tmp_path / "a.wav")
    assert frames == audio.frames == 50000
    assert abs(peak - audio.peak_dbfs()) < 1e-4 and abs(rms - audio.rms_dbfs()) < 1e-4
    sf.write(tmp_path / "silent.wav", np.zeros(100, np.float32), 16000)
    assert Audio.levels(tmp_path / "silent.wav")[1:] == (float("-inf"), float("-inf"))


@pytest.mark.parametrize("rate", [None, 16000])
def test_stream_gives_the_loaded_samples_block_by_block(tmp_path, rate):
    rng = np.random.default_rng(1)
    path = tmp_path / "x.wav"
    sf.write(path, (0.1 * rng.standard_normal((44100 * 3 + 13, 2))).astype(np.float32), 44100, subtype="FLOAT")
    blocks = list(Audio.stream(path, sample_rate=rate, block_frames=10_000))
    assert len(blocks) > 3 and all(b.ndim == 1 and b.dtype == np.float32 for b in blocks)
    np.testing.assert_allclose(np.concatenate(blocks), Audio.load(path, mono=True, sample_rate=rate).mono, atol=1e-6)
