"""Whisper's log-mel equals a NumPy reference of the published definition."""

import numpy as np
from signals import speech_like


def _reference(x: np.ndarray, n_mels: int = 80) -> np.ndarray:
    import librosa

    window = np.hanning(401)[:-1]  # periodic Hann
    padded = np.pad(x.astype(np.float64), 200, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, 400)[::160]
    power = np.abs(np.fft.rfft(frames * window, axis=-1)) ** 2
    mel = librosa.filters.mel(sr=16000, n_fft=400, n_mels=n_mels) @ power.T
    log_spec = np.log10(np.maximum(mel[:, :-1], 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return (log_spec + 4.0) / 4.0


def test_log_mel_equals_the_published_definition():
    from sonitus.plugins.whisper.frontend import log_mel

    x = speech_like(seconds=2.3, seed=4)
    ours = log_mel(x)
    ref = _reference(x)
    assert ours.shape == ref.shape == (80, x.size // 160)
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())
    padded = log_mel(x, padding=16000)
    assert padded.shape[-1] == (x.size + 16000) // 160
