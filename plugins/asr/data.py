"""Training data for the CTC model: loading, length bucketing and waveform augmentation.

Everything here is NumPy and deterministic: batch ``step`` of a run is a pure function of
(seed, step), so a resumed run sees exactly the batches an uninterrupted one would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sonitus.augment import add_noise, coloured, pad_silence, reverberate, room_response, speed
from sonitus.errors import SonitusError

__all__ = ["Corpus", "load_corpus", "Batcher", "augment", "pad_batch", "ctc_feasible"]

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
    from sonitus.manifests import read_manifest
    from sonitus.text import normalize

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
    """Length-bucketed batches with one fixed shape per bucket.

    ``batch_seconds`` of (padded) audio per batch; ``batch(step)`` returns the corpus indices,
    the padded sample count and the padded label width of training batch ``step``. A bucket
    with fewer than two batches' worth of utterances is merged into the next longer one, so
    that no batch is made of copies of a few utterances; the label width of a bucket is the
    longest transcript in it (rounded up to 8), so each bucket compiles exactly one shape.
    """

    def __init__(self, durations: np.ndarray, *, seed: int, batch_seconds: float = 64.0,
                 bounds: tuple[float, ...] = (2.5, 3.5, 4.5, 6.0, 8.0, 10.0), multiple: int = 1,
                 headroom: float = 1.15, label_lengths: np.ndarray | None = None):
        self.durations, self.seed = durations, seed
        bounds = tuple(sorted(bounds))
        counts = np.bincount(np.searchsorted(np.array(bounds), durations), minlength=len(bounds))
        keep = []
        carry = 0
        for b, n in zip(bounds, counts[:len(bounds)]):
            carry += n
            size = max(multiple, int(batch_seconds / b) // multiple * multiple)
            if carry >= 2 * size:
                keep.append(b)
                carry = 0
        if carry and keep:
            keep[-1] = bounds[-1]  # the leftovers join the longest kept bucket
        self.bounds = tuple(keep) or (bounds[-1],)
        self.buckets = np.minimum(np.searchsorted(np.array(self.bounds), durations), len(self.bounds) - 1)
        self.sizes = [max(multiple, int(batch_seconds / b) // multiple * multiple) for b in self.bounds]
        self.samples = [int(b * headroom * SR) // 160 * 160 for b in self.bounds]
        lengths = np.zeros(len(durations), int) if label_lengths is None else np.asarray(label_lengths)
        self.label_widths = [max(8, -(-int(lengths[self.buckets == b].max(initial=0)) // 8) * 8)
                             for b in range(len(self.bounds))]
        self._epochs: dict[int, list[tuple[int, np.ndarray]]] = {}
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

    def batch(self, step: int) -> tuple[np.ndarray, int, int]:
        """``(corpus indices, padded samples, label width)`` of batch ``step``."""
        epoch, pos = divmod(step, self.per_epoch)
        bucket, idx = self._epoch(epoch)[pos]
        return idx, self.samples[bucket], self.label_widths[bucket]

    @property
    def shapes(self) -> list[tuple[int, int, int]]:
        """Every ``(batch, samples, label width)`` a run compiles."""
        return list(zip(self.sizes, self.samples, self.label_widths))


def ctc_feasible(label_ids: list[int], output_frames: int) -> bool:
    """Whether CTC can align ``label_ids`` in ``output_frames`` frames (a blank between repeats)."""
    repeats = sum(1 for a, b in zip(label_ids, label_ids[1:]) if a == b)
    return len(label_ids) + repeats <= output_frames


def augment(x: np.ndarray, rng: np.random.Generator, *, others: list[np.ndarray] = ()) -> np.ndarray:
    """One random corruption of float waveform ``x`` (16 kHz).

    Speed perturbation (0.88-1.12, pitch and formants move with it, like VTLP), random
    leading/trailing silence, reverberation with a synthetic room response, additive noise
    at 3-30 dB SNR (white, pink, brown or babble from ``others``) and gain.
    """
    if rng.random() < 0.75:
        x = speed(x, rng.uniform(0.88, 1.12), SR)
    lead, trail = rng.integers(0, int(0.25 * SR), size=2)
    x = pad_silence(x, lead, trail)
    if rng.random() < 0.25:
        x = reverberate(x, room_response(rng, SR))
    if rng.random() < 0.7:
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
            noise = coloured(rng.standard_normal(len(x)), float(kind)).astype(np.float32)
        x = add_noise(x, noise, rng.uniform(3.0, 30.0) if kind != 3 else rng.uniform(8.0, 30.0))
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
