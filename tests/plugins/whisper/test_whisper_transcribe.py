"""How transcribe_waves batches windows across files (the model's work is tested elsewhere)."""

from types import SimpleNamespace

import numpy as np
from sonitus.plugins.whisper import transcribe
from sonitus.plugins.whisper.decoding import DecodeResult
from sonitus.plugins.whisper.frontend import SAMPLE_RATE
from sonitus.plugins.whisper.transcribe import TranscribeOptions, transcribe_waves


class _Runtime:
    """Records the windows of each batch; the audio frames in a window are its non-zero columns."""

    config = SimpleNamespace(n_mels=80)

    def __init__(self):
        self.batches: list[list[int]] = []

    def encode_windows(self, windows):
        self.batches.append([int((np.abs(w).sum(axis=0) > 0).sum()) for w in windows])
        return None


def test_windows_of_like_length_share_a_batch_and_results_keep_the_files_order(monkeypatch):
    silent = DecodeResult((), "", -5.0, 1.0, 0.0, 1.0)  # no speech: each file moves on a whole window
    monkeypatch.setattr(transcribe, "_decode_with_fallback",
                        lambda rt, cross, prompts, options, languages: [silent] * len(prompts))
    rng = np.random.default_rng(0)
    seconds = [20, 1, 25, 2, 3]
    waves = [(0.1 * rng.standard_normal(s * SAMPLE_RATE)).astype(np.float32) for s in seconds]
    rt = _Runtime()
    results = transcribe_waves(rt, waves, TranscribeOptions(batch=2))
    frames = [[s * 100 for s in batch] for batch in ([1, 2], [3, 20], [25])]
    assert rt.batches == frames  # the short clips together, not a 1 s clip beside a 20 s window
    assert len(results) == len(waves) and all(r.segments == [] for r in results)
