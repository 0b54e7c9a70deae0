"""Training the ``hmm-words`` recogniser: one GMM-HMM per word from labelled clips."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sonitus import Audio

from .words import FEATURES, WordModels, extract_features, train_word

__all__ = ["load_clips", "speed_perturbed", "train_words", "accuracy"]


def load_clips(rows: list[tuple[str, str]]) -> list[Audio]:
    """The clips of ``(path, word)`` rows, with a progress bar."""
    from sonitus.progress import track

    return [Audio.load(path) for path, _ in track(rows, description="reading clips", total=len(rows))]


def speed_perturbed(clips: list[Audio], amount: float, seed: int) -> list[Audio]:
    """Each clip played faster or slower by up to ``amount`` (pitch and formants move with it,
    like another speaker), back at its own rate."""
    rng = np.random.default_rng(seed)
    out = []
    for clip in clips:
        factor = 1 + rng.uniform(-amount, amount)
        stretched = clip.resample(int(round(clip.sample_rate * factor)))
        out.append(Audio(stretched.samples, clip.sample_rate))
    return out


def accuracy(bundle: WordModels, features: list[np.ndarray], truth: list[str]) -> float:
    """The share of ``features`` whose best-scoring word model is the ``truth``."""
    scores = bundle.log_likelihoods(features)
    predicted = [bundle.words[i] for i in scores.argmax(axis=1)]
    return sum(p == t for p, t in zip(predicted, truth)) / len(truth)


def train_words(rows: list[tuple[str, str]], out: str | os.PathLike[str], *, states: int = 8, mix: int = 2,
                iterations: int = 10, speed_perturb: float = 0.0, seed: int = 0) -> tuple[WordModels, float]:
    """Train one left-to-right GMM-HMM per word of ``(path, word)`` rows (with one speed-perturbed
    copy of each clip when ``speed_perturb``), save the bundle to ``out`` atomically, and return it
    with its training accuracy."""
    from sonitus.progress import track

    clips = load_clips(rows)
    if speed_perturb:
        clips, rows = clips + speed_perturbed(clips, speed_perturb, seed), rows + rows
    features, _ = extract_features(clips)
    by_word: dict[str, list] = {}
    for (_, word), f in zip(rows, features):
        by_word.setdefault(word, []).append(f)
    models = {}
    for word in track(sorted(by_word), description="training word models", total=len(by_word)):
        models[word] = train_word(by_word[word], n_states=states, n_mix=mix, n_iter=iterations, seed=seed)
    bundle = WordModels.from_models(models, FEATURES)
    score = accuracy(bundle, features, [w for _, w in rows])
    bundle.save(Path(out), step=iterations, seed=seed, train_clips=len(rows), train_accuracy=score,
                states=states, mix=mix)
    return bundle, score
