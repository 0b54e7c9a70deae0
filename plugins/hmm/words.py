"""The isolated-word recogniser: MFCC (+deltas) -> one left-to-right GMM-HMM per word -> best score.

Each word model is trained by flat start (every training clip cut into equal parts, one
per state, k-means for the mixtures) and Baum-Welch. Recognition scores a clip against
all word models at once (one jitted, vmapped forward pass) and returns the best word,
its per-frame log-likelihood, and a confidence: the word's posterior among the words
with equal priors, from per-frame log-likelihoods (``threshold=`` rejects below it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sonitus import Audio, Transcript, Word
from sonitus.errors import CheckpointError, ParameterError, TrainingError
from sonitus.hmm.emissions import gmm_log_b
from sonitus.hmm.inference import log_likelihood
from sonitus.hmm.models import GMMHMM
from sonitus.jit import lazy_jit

__all__ = ["FEATURES", "WordModels", "extract_features", "train_word", "default_model_path"]

MODEL_NAME = "hmm-words"
FEATURES = {"sample_rate": 16000, "n_mfcc": 13, "n_mels": 40, "n_fft": 512, "win_length": 400, "hop_length": 160,
            "deltas": 2, "top_db": 30.0}


def default_model_path() -> Path:
    return Path(__file__).with_name("weights") / "hmm-words.ckpt"


def extract_features(audios: list[Audio], config: dict[str, Any] = FEATURES) -> tuple[list[np.ndarray], list[tuple[float, float]]]:
    """MFCC + deltas + delta-deltas with per-clip CMVN, after trimming silence; and each clip's speech span."""
    from sonitus import get_registry
    from sonitus.dsp.vad import trim

    rate = config["sample_rate"]
    trimmed, spans = [], []
    for audio in audios:
        audio = audio.to_mono().resample(rate) if audio.sample_rate != rate or audio.channels > 1 else audio
        x, span = trim(audio.mono, sample_rate=rate, top_db=config["top_db"], pad_ms=30)
        if x.size < config["n_fft"]:
            x, span = audio.mono, (0.0, audio.duration)
        if x.size < config["n_fft"]:
            raise ParameterError(f"a clip of {audio.duration * 1000:.0f} ms is too short to recognise a word in.")
        trimmed.append(Audio(x, rate))
        spans.append(span)
    stage = get_registry().stage("mfcc", n_mfcc=config["n_mfcc"], n_mels=config["n_mels"], n_fft=config["n_fft"],
                 win_length=config["win_length"], hop_length=config["hop_length"], deltas=config["deltas"],
                 cmvn=True)
    return [np.asarray(f.data, np.float64) for f in stage.map(trimmed)], spans


def train_word(sequences: list[np.ndarray], *, n_states: int = 8, n_mix: int = 2, n_iter: int = 10,
               seed: int = 0) -> GMMHMM:
    """A left-to-right GMM-HMM for one word from its feature sequences ``[T_i, D]``."""
    from sonitus.hmm.training import kmeans

    sequences = [s for s in sequences if len(s) >= n_states]
    if len(sequences) < 2:
        raise TrainingError(f"a word model needs at least 2 clips of {n_states}+ frames, got {len(sequences)}.")
    dims = sequences[0].shape[1]
    model = GMMHMM(n_states, n_mix=n_mix, n_iter=n_iter, init_params="", params="tmcw", random_state=seed, tol=1e-3)
    model.startprob_ = np.eye(n_states)[0]
    transmat = np.diag(np.full(n_states, 0.6)) + np.diag(np.full(n_states - 1, 0.4), 1)
    transmat[-1, -1] = 1.0
    model.transmat_ = transmat
    frames = [[] for _ in range(n_states)]
    for s in sequences:
        for i, part in enumerate(np.array_split(s, n_states)):
            frames[i].append(part)
    means = np.empty((n_states, n_mix, dims))
    covars = np.empty((n_states, n_mix, dims))
    for i in range(n_states):
        data = np.concatenate(frames[i])
        centres, labels = kmeans(data, n_mix, seed=seed + i)
        means[i] = centres
        for k in range(n_mix):
            members = data[labels == k]
            covars[i, k] = (members.var(axis=0) if len(members) > 1 else data.var(axis=0)) + 1e-2
    model.means_, model.covars_, model.weights_ = means, covars, np.full((n_states, n_mix), 1.0 / n_mix)
    model.min_covar = 1e-2
    concatenated = np.concatenate(sequences)
    return model.fit(concatenated, [len(s) for s in sequences])


@lazy_jit()
def _score_batch(x, lengths, log_pi, log_a, weights, means, variances):
    """Log-likelihoods ``[B, W]`` of padded clips ``[B, T, D]`` under all word models ``[W, ...]``."""
    import jax

    def one_clip(seq, length):
        def one_word(lp, la, w, m, v):
            return log_likelihood(gmm_log_b(seq, w, m, v), lp, la, length)

        return jax.vmap(one_word)(log_pi, log_a, weights, means, variances)

    return jax.vmap(one_clip)(x, lengths)


@dataclass
class WordModels:
    """All word models stacked: ``startprob [W, N]``, ``transmat [W, N, N]``, ``weights [W, N, M]``,
    ``means``/``covars`` ``[W, N, M, D]``."""

    words: tuple[str, ...]
    startprob: np.ndarray
    transmat: np.ndarray
    weights: np.ndarray
    means: np.ndarray
    covars: np.ndarray
    config: dict[str, Any] = field(default_factory=lambda: dict(FEATURES))

    @classmethod
    def from_models(cls, models: dict[str, GMMHMM], config: dict[str, Any]) -> WordModels:
        words = tuple(models)
        stack = lambda name: np.stack([getattr(models[w], name) for w in words])  # noqa: E731
        return cls(words, stack("startprob_"), stack("transmat_"), stack("weights_"), stack("means_"),
                   stack("covars_"), dict(config))

    def save(self, path: str | os.PathLike[str], **extra: Any) -> Path:
        from sonitus.checkpoints import save_checkpoint

        state = {"startprob": self.startprob, "transmat": self.transmat, "weights": self.weights,
                 "means": self.means, "covars": self.covars}
        return save_checkpoint(path, state, model=MODEL_NAME, config={**self.config, "words": list(self.words)},
                               **extra)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> WordModels:
        from sonitus.checkpoints import load_checkpoint

        ckpt = load_checkpoint(path or default_model_path(), model=MODEL_NAME,
                               keys=("startprob", "transmat", "weights", "means", "covars"))
        config = dict(ckpt.config)
        if "words" not in config:
            raise CheckpointError(f"{path or default_model_path()} lists no words in its header; retrain it.")
        words = tuple(config.pop("words"))
        s = ckpt.state
        return cls(words, s["startprob"], s["transmat"], s["weights"], s["means"], s["covars"], config)

    def log_likelihoods(self, features: list[np.ndarray]) -> np.ndarray:
        """``[clips, words]`` log-likelihoods."""
        import jax.numpy as jnp
        from sonitus.hmm.training import pad

        out = []
        with np.errstate(divide="ignore"):
            params = (jnp.asarray(np.log(self.startprob), jnp.float32), jnp.asarray(np.log(self.transmat), jnp.float32),
                      *(jnp.asarray(a, jnp.float32) for a in (self.weights, self.means, self.covars)))
        for start in range(0, len(features), 16):
            chunk = features[start:start + 16]
            batch, lengths = pad([f.astype(np.float32) for f in chunk])
            bucket = 32 * -(-batch.shape[1] // 32)  # bound recompiles
            batch = np.pad(batch, [(0, 0), (0, bucket - batch.shape[1]), (0, 0)])
            out.append(np.asarray(_score_batch(jnp.asarray(batch), jnp.asarray(lengths), *params)))
        return np.concatenate(out)

    def recognize(self, audios: list[Audio], *, threshold: float = 0.0) -> list[Transcript]:
        """The best word of each clip, with its confidence; a clip whose confidence is below
        ``threshold``, or that does not sound like speech at all (silence, a tone, steady
        noise: :func:`sonitus.dsp.vad.sounds_like_speech`), gets an empty Transcript (rejected)."""
        from sonitus.dsp.vad import sounds_like_speech

        features, spans = extract_features(audios, self.config)
        scores = self.log_likelihoods(features)
        results = []
        for audio, row, feats, (start, end) in zip(audios, scores, features, spans):
            if not sounds_like_speech(audio.mono, sample_rate=audio.sample_rate):
                results.append(Transcript("", (), None))
                continue
            best = int(np.argmax(row))
            confidence = word_confidence(row, len(feats))
            if confidence < threshold:
                results.append(Transcript("", (), float(row[best] / len(feats))))
                continue
            word = Word(self.words[best], float(start), float(end), round(confidence, 4))
            results.append(Transcript(word.text, (word,), float(row[best] / len(feats))))
        return results


def word_confidence(log_likelihoods: np.ndarray, frames: int) -> float:
    """The best word's posterior among the words, from log-likelihoods scaled to one frame.

    Whole-clip likelihoods differ by hundreds of nats, which makes the plain posterior 1.00
    for every answer, wrong ones included; per frame, a clear word wins by several nats and
    a word outside the vocabulary by about one, so the posterior becomes a usable confidence.
    """
    scaled = np.asarray(log_likelihoods, np.float64) / max(frames, 1)
    posterior = np.exp(scaled - scaled.max())
    return float(posterior.max() / posterior.sum())
