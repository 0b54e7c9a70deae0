"""Training data for the CTC model: loading, length bucketing and waveform augmentation.

Everything here is NumPy and deterministic: batch ``step`` of a run is a pure function of
(seed, step), so a resumed run sees exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sonitus.errors import SonitusError

__all__ = ["Corpus", "load_corpus", "Batcher", "augment", "pad_batch"]

SR = 16000


@dataclass
class Corpus:
    """Utterances in memory: int16 waveforms at 16 kHz and normalised transcripts."""

    audio: list[np.ndarray]
    texts: list[str]
    paths: list[str]

    @property
    def durations(self) -> np.ndarray:
        return np.array([len(a) / SR for a in self.audio])


def load_corpus(manifest: str, *, max_seconds: float = 10.0, limit: int | None = None,
                progress: bool = False) -> Corpus:
    """Read a ``path<TAB>transcript`` manifest into memory (any rate/channels -> 16 kHz mono)."""
    import soundfile as sf

    from sonitus.plugins.tts_speech import read_manifest
    from sonitus.plugins.tts_speech._text import normalize

    rows = read_manifest(manifest)[:limit]
    audio, texts, paths = [], [], []
    for path, text in rows:
        data, sr = sf.read(path, dtype="int16", always_2d=True)
        data = data.mean(axis=1).astype(np.int16) if data.shape[1] > 1 else data[:, 0]
        if sr != SR:
            import soxr

            data = (soxr.resample(data.astype(np.float32) / 32768, sr, SR) * 32767).astype(np.int16)
        if len(data) > max_seconds * SR:
            continue
        audio.append(data)
        texts.append(normalize(text))
        paths.append(path)
    if not audio:
        raise SonitusError(f"No usable utterances in {manifest} (all missing or longer than {max_seconds} s).")
    return Corpus(audio, texts, paths)


class Batcher:
    """Length-bucketed batches: each bucket has a padded length and a batch size.

    ``batch_seconds`` of (padded) audio per batch; ``batch(step)`` returns the corpus indices
    and the padded sample count of training batch ``step``.
    """

    def __init__(self, durations: np.ndarray, *, seed: int, batch_seconds: float = 64.0,
                 bounds: tuple[float, ...] = (2.5, 3.5, 4.5, 6.0, 8.0, 10.0), multiple: int = 1,
                 headroom: float = 1.15):
        self.durations, self.seed, self.bounds = durations, seed, bounds
        self.buckets = np.searchsorted(np.array(bounds), durations)  # index into bounds
        self.sizes = [max(multiple, int(batch_seconds / b) // multiple * multiple) for b in bounds]
        self.samples = [int(b * headroom * SR) // 160 * 160 for b in bounds]
        self._epochs: dict[int, list[np.ndarray]] = {}
        self.per_epoch = len(self._epoch(0))

    def _epoch(self, epoch: int) -> list[tuple[int, np.ndarray]]:
        if epoch not in self._epochs:
            rng = np.random.default_rng([self.seed, epoch])
            batches = []
            for b, size in enumerate(self.sizes):
                idx = np.flatnonzero(self.buckets == b)
                rng.shuffle(idx)
                for i in range(0, len(idx), size):
                    chunk = idx[i:i + size]
                    if len(chunk) < size:  # fill the last batch so every batch of a bucket has one shape
                        chunk = np.concatenate([chunk, rng.choice(idx, size - len(chunk))])
                    batches.append((b, chunk))
            order = rng.permutation(len(batches))
            self._epochs = {epoch: [batches[i] for i in order]}
        return self._epochs[epoch]

    def batch(self, step: int) -> tuple[np.ndarray, int]:
        epoch, pos = divmod(step, self.per_epoch)
        bucket, idx = self._epoch(epoch)[pos]
        return idx, self.samples[bucket]


def _coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    noise = np.fft.irfft(spec / f ** (exponent / 2), n)
    return noise / (np.std(noise) + 1e-9)


def _room(rng: np.random.Generator) -> np.ndarray:
    rt60 = rng.uniform(0.15, 0.6)
    n = int(rt60 * SR)
    t = np.arange(n) / SR
    rir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    rir[0] = 1.0 / rng.uniform(0.2, 1.0)  # direct path
    return rir / np.sqrt(np.sum(rir ** 2))


def augment(x: np.ndarray, rng: np.random.Generator, *, others: list[np.ndarray] = ()) -> np.ndarray:
    """One random corruption of float waveform ``x`` (16 kHz).

    Speed perturbation (0.88-1.12, pitch and formants move with it, like VTLP), random
    leading/trailing silence, reverberation with a synthetic room response, additive noise
    at 3-30 dB SNR (white, pink, brown or babble from ``others``) and gain.
    """
    if rng.random() < 0.75:
        import soxr

        factor = rng.uniform(0.88, 1.12)
        x = soxr.resample(x, SR * factor, SR, quality="LQ").astype(np.float32)
    lead, trail = rng.integers(0, int(0.25 * SR), size=2)
    x = np.concatenate([np.zeros(lead, np.float32), x, np.zeros(trail, np.float32)])
    if rng.random() < 0.25:
        from scipy.signal import fftconvolve

        x = fftconvolve(x, _room(rng))[: len(x)].astype(np.float32)
    if rng.random() < 0.7:
        power = np.mean(x ** 2) + 1e-10
        kind = rng.integers(0, 4)
        if kind == 3 and len(others):
            noise = np.zeros_like(x)
            for _ in range(rng.integers(1, 4)):
                o = others[rng.integers(len(others))]
                start = rng.integers(0, max(1, len(x) - len(o) + 1)) if len(o) < len(x) else 0
                o = o[: len(x) - start]
                noise[start:start + len(o)] += o
            noise = noise / (np.std(noise) + 1e-9)
        else:
            noise = _coloured_noise(rng, len(x), float(kind)).astype(np.float32)
        snr = rng.uniform(3.0, 30.0) if kind != 3 else rng.uniform(8.0, 30.0)
        x = x + noise * np.sqrt(power / 10 ** (snr / 10))
    x = x * 10 ** (rng.uniform(-12, 4) / 20)
    peak = np.max(np.abs(x)) + 1e-9
    return (x / peak if peak > 1 else x).astype(np.float32)


def pad_batch(waves: list[np.ndarray], samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Zero-pad (or cut) float waveforms to ``[batch, samples]``; returns (batch, lengths)."""
    out = np.zeros((len(waves), samples), np.float32)
    lengths = np.zeros(len(waves), np.int32)
    for i, w in enumerate(waves):
        n = min(len(w), samples)
        out[i, :n] = w[:n]
        lengths[i] = n
    return out, lengths
