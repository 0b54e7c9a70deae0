"""YIN f0: librosa parity on harmonic tones and single-note summaries."""

import numpy as np
import pytest
from sonitus.dsp.pitch import note_f0, yin
from sonitus.errors import ParameterError


def _tone(f0, sr=16000, seconds=1.0):
    t = np.arange(int(sr * seconds)) / sr
    return sum(np.sin(2 * np.pi * f0 * k * t + k) / k for k in range(1, 8)).astype(np.float32)


@pytest.mark.parametrize("f0", [65.4, 110.0, 261.6, 440.0, 987.8])
def test_yin_matches_librosa(f0):
    librosa = pytest.importorskip("librosa")
    x = _tone(f0)
    ours = np.asarray(yin(x, sample_rate=16000, fmin=50, fmax=2000, frame_length=1024))
    theirs = librosa.yin(x, fmin=50, fmax=2000, sr=16000, frame_length=1024)
    assert ours.shape == theirs.shape
    inner = slice(2, -2)  # the zero-padded edge frames differ in detail
    np.testing.assert_allclose(np.median(ours[inner]), np.median(theirs[inner]), rtol=2e-3)
    assert abs(np.median(ours[inner]) / f0 - 1) < 6e-3


def test_note_f0_batches_and_rejects_bad_ranges():
    assert abs(note_f0(_tone(196.0), sample_rate=16000) - 196.0) < 1.0
    assert np.isnan(note_f0(np.zeros(16000, np.float32), sample_rate=16000))
    batch = np.stack([_tone(220.0), _tone(330.0)])
    f0 = np.asarray(yin(batch, sample_rate=16000, frame_length=1024))
    assert f0.shape[0] == 2 and abs(np.median(f0[1]) / np.median(f0[0]) - 1.5) < 0.01
    with pytest.raises(ParameterError, match="fmin"):
        yin(batch, sample_rate=16000, fmin=0)
    with pytest.raises(ParameterError, match="too short"):
        yin(batch, sample_rate=16000, fmin=20, frame_length=512)
