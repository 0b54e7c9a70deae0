"""How transcribe_waves batches windows across files (the model's work is tested elsewhere)."""

from types import SimpleNamespace

import numpy as np
import pytest
from sonitus.plugins.whisper import transcribe
from sonitus.plugins.whisper.decoding import DecodeResult
from sonitus.plugins.whisper.frontend import SAMPLE_RATE
from sonitus.plugins.whisper.transcribe import TranscribeOptions, transcribe_waves


class _Runtime:
    """Records the windows of each batch; the audio frames in a window are its non-zero columns."""

    config = SimpleNamespace(n_mels=80)

    def __init__(self):
        self.batches: list[list[int]] = []
        self.heard: list[int | None] = []

    def encode_windows(self, windows, frames=None):
        self.batches.append([int((np.abs(w).sum(axis=0) > 0).sum()) for w in windows])
        self.heard.append(frames)
        return None


def _run(monkeypatch, seconds, options):
    silent = DecodeResult((), "", -5.0, 1.0, 0.0, 1.0)  # no speech: each file moves on a whole window
    monkeypatch.setattr(transcribe, "_decode_with_fallback",
                        lambda rt, cross, prompts, options, languages: [silent] * len(prompts))
    rng = np.random.default_rng(0)
    waves = [(0.1 * rng.standard_normal(s * SAMPLE_RATE)).astype(np.float32) for s in seconds]
    rt = _Runtime()
    return rt, transcribe_waves(rt, waves, options)


def test_windows_of_like_length_share_a_batch_and_results_keep_the_files_order(monkeypatch):
    seconds = [20, 1, 25, 2, 3]
    rt, results = _run(monkeypatch, seconds, TranscribeOptions(batch=2))
    frames = [[s * 100 for s in batch] for batch in ([1, 2], [3, 20], [25])]
    assert rt.batches == frames  # the short clips together, not a 1 s clip beside a 20 s window
    assert rt.heard == [None] * 3  # the encoder hears all 30 s of each window
    assert len(results) == len(seconds) and all(r.segments == [] for r in results)


def test_clip_context_encodes_a_batchs_longest_audio_and_a_second_more(monkeypatch):
    rt, _ = _run(monkeypatch, [20, 1, 25, 2, 3, 29], TranscribeOptions(batch=2, audio_context="clip"))
    # mel frames (100 a second): the longest audio + 100, rounded up to 200s; at most 30 s
    assert rt.heard == [400, 2200, 3000]


def test_an_unknown_audio_context_is_refused():
    from sonitus.errors import ParameterError
    from sonitus.plugins.whisper.recognizer import WhisperRecognizer

    with pytest.raises(ParameterError, match="'full' or 'clip'"):
        TranscribeOptions(audio_context="half")
    with pytest.raises(ParameterError, match="'full' or 'clip'"):
        WhisperRecognizer(audio_context="half")
