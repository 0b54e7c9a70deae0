"""Log-mel and MFCC: librosa vs vectorised NumPy/SciPy vs sonitus's jitted JAX kernels.

Workloads: a batch of 64 clips x 5 s at 16 kHz, one 60 s clip, and the pipeline
``pre-emphasis >> logmel`` fused and unfused. Prints median times and ratios. Run: ``.venv/bin/python benchmarks/features.py``.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _cli import make_parser  # noqa: E402
from _timing import median_time, report  # noqa: E402

SR = 16000
N_FFT, HOP, N_MELS, N_MFCC = 512, 160, 80, 20


def numpy_logmel(batch: np.ndarray) -> np.ndarray:
    """A careful vectorised NumPy/SciPy log-mel: strided frames, one rfft, one matmul."""
    import scipy.fft
    from sonitus.dsp.mel import mel_filterbank
    from sonitus.dsp.spectral import get_window

    padded = np.pad(batch, [(0, 0), (N_FFT // 2, N_FFT // 2)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT, axis=-1)[:, ::HOP]
    spec = scipy.fft.rfft(frames * get_window("hann", N_FFT, N_FFT).astype(np.float32), axis=-1, workers=-1)
    power = spec.real ** 2 + spec.imag ** 2
    mel = power @ mel_filterbank(SR, N_FFT, N_MELS).T.astype(np.float32)
    db = 10 * np.log10(np.maximum(mel, 1e-10))
    return np.maximum(db, db.max(axis=(1, 2), keepdims=True) - 80)


def numpy_mfcc(batch: np.ndarray) -> np.ndarray:
    import scipy.fft

    return scipy.fft.dct(numpy_logmel(batch), axis=-1, norm="ortho")[..., :N_MFCC]


def main() -> None:
    make_parser(__doc__).parse_args()
    import jax
    import librosa
    from sonitus.dsp.features import logmel, mfcc

    rng = np.random.default_rng(0)
    batch = (0.1 * rng.standard_normal((64, 5 * SR))).astype(np.float32)
    long_clip = (0.1 * rng.standard_normal(60 * SR)).astype(np.float32)
    chunk = 8
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}; {os.cpu_count()} CPU cores; librosa {librosa.__version__}")

    def ours_batch(kernel, **kw):
        return lambda: [np.asarray(kernel(batch[i:i + chunk], sample_rate=SR, n_fft=N_FFT, hop_length=HOP,
                                          n_mels=N_MELS, **kw)) for i in range(0, len(batch), chunk)]

    def librosa_logmel(x):
        return librosa.power_to_db(librosa.feature.melspectrogram(y=x, sr=SR, n_fft=N_FFT, hop_length=HOP,
                                                                  n_mels=N_MELS))

    def librosa_mfcc(x):
        return librosa.feature.mfcc(y=x, sr=SR, n_mfcc=N_MFCC, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)

    rows = {"librosa": median_time(lambda: librosa_logmel(batch), repeat=3),
            "numpy/scipy": median_time(lambda: numpy_logmel(batch), repeat=3),
            "sonitus": median_time(ours_batch(logmel), repeat=5)}
    report("log-mel, 64 clips x 5 s @ 16 kHz (batch)", rows)
    rows = {"librosa": median_time(lambda: librosa_mfcc(batch), repeat=3),
            "numpy/scipy": median_time(lambda: numpy_mfcc(batch), repeat=3),
            "sonitus": median_time(ours_batch(mfcc, n_mfcc=N_MFCC), repeat=5)}
    report("MFCC, 64 clips x 5 s @ 16 kHz (batch)", rows)
    rows = {"librosa": median_time(lambda: librosa_logmel(long_clip), repeat=3),
            "numpy/scipy": median_time(lambda: numpy_logmel(long_clip[None]), repeat=3),
            "sonitus": median_time(lambda: np.asarray(logmel(long_clip, sample_rate=SR, n_fft=N_FFT,
                                                             hop_length=HOP, n_mels=N_MELS)), repeat=5)}
    report("log-mel, one 60 s clip @ 16 kHz", rows)
    fused_pipeline(batch)


def fused_pipeline(batch: np.ndarray) -> None:
    """``pre-emphasis >> logmel`` over 64 clips of 5 s: fused into one jitted kernel per batch
    shape, the same two stages run one after the other, and librosa doing the same."""
    import librosa
    from sonitus import Audio
    from sonitus.dsl import stage
    from sonitus.pipeline import Pipeline

    clips = [Audio(x, SR) for x in batch]
    stages = [stage("pre-emphasis"), stage("logmel", n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)]
    fused, separate = Pipeline(stages), Pipeline(stages, fuse=False)

    def librosa_pipeline():
        return [librosa.power_to_db(librosa.feature.melspectrogram(
            y=librosa.effects.preemphasis(x), sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)) for x in batch]

    rows = {"librosa": median_time(librosa_pipeline, repeat=3),
            "unfused": median_time(lambda: separate.map(clips, batch_size=64), repeat=5),
            "sonitus": median_time(lambda: fused.map(clips, batch_size=64), repeat=5)}
    report(f"pre-emphasis >> logmel, 64 clips x 5 s (fused: {fused.plan[0].name})", rows)


if __name__ == "__main__":
    main()
