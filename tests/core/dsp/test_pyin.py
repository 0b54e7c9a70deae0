"""pYIN: a glide followed to a known pitch, silence unvoiced, and librosa.pyin's answer on the same frames."""

import numpy as np
import pytest

SR = 22050


def _glide(seconds=3.0, gap=(1.0, 1.4), seed=0):
    """A harmonic tone gliding 110 -> 440 Hz (exponentially), silent over ``gap`` seconds, light noise."""
    t = np.arange(int(SR * seconds)) / SR
    f = 110.0 * 4 ** (t / seconds)
    phase = 2 * np.pi * np.cumsum(f) / SR
    y = 0.5 * np.sin(phase) + 0.25 * np.sin(2 * phase) + 0.1 * np.sin(3 * phase)
    y[int(gap[0] * SR):int(gap[1] * SR)] = 0.0
    y += 0.003 * np.random.default_rng(seed).standard_normal(len(y))
    return y.astype(np.float32), f


def test_pyin_follows_a_glide_and_leaves_silence_unvoiced():
    from sonitus.dsp.pitch import pyin

    y, f = _glide()
    f0, voiced, prob = pyin(y, sample_rate=SR, fmin=65.4, fmax=1046.5)
    times = np.arange(len(f0)) * 512 / SR
    truth = 110.0 * 4 ** (np.minimum(times, 3.0) / 3.0)
    sounding = ((times > 0.1) & (times < 0.95)) | ((times > 1.5) & (times < 2.9))
    assert voiced[sounding].mean() > 0.97
    cents = 1200 * np.abs(np.log2(f0[sounding & voiced] / truth[sounding & voiced]))
    assert np.median(cents) < 15 and np.mean(cents < 50) > 0.97
    silent = (times > 1.1) & (times < 1.3)
    assert not voiced[silent].any() and prob[silent].max() < 0.5 and np.isnan(f0[silent]).all()


def test_pyin_agrees_with_librosa_frame_by_frame():
    librosa = pytest.importorskip("librosa")
    from sonitus.dsp.pitch import pyin

    y, _ = _glide(seconds=2.0, gap=(0.8, 1.0), seed=1)
    ours = pyin(y, sample_rate=SR, fmin=65.4, fmax=2093.0)
    theirs = librosa.pyin(y, sr=SR, fmin=65.4, fmax=2093.0)
    assert len(ours[0]) == len(theirs[0])
    both = ours[1] & theirs[1]
    assert np.mean(ours[1] == theirs[1]) > 0.97
    cents = 1200 * np.abs(np.log2(ours[0][both] / theirs[0][both]))
    assert np.mean(cents < 50) >= 0.95
    np.testing.assert_allclose(ours[2], theirs[2], atol=0.02 * max(1.0, float(np.max(theirs[2]))))


def test_pyin_runs_on_a_batch_and_checks_its_range():
    from sonitus.dsp.pitch import pyin
    from sonitus.errors import ParameterError

    y, _ = _glide(seconds=1.0, gap=(0.4, 0.5))
    batch = np.stack([y, 0.5 * y])
    f0, voiced, _ = pyin(batch, sample_rate=SR, fmin=65.4, fmax=1046.5)
    assert f0.shape == voiced.shape == (2, 1 + len(y) // 512)
    np.testing.assert_array_equal(voiced[0], voiced[1])
    with pytest.raises(ParameterError, match="fmin"):
        pyin(y, sample_rate=SR, fmin=500, fmax=100)
    with pytest.raises(ParameterError, match="too short"):
        pyin(y, sample_rate=SR, fmin=20, fmax=500, frame_length=1024)
