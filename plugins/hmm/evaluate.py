"""Evaluating the ``hmm-words`` recogniser: accuracy, speed and the commonest confusions."""

from __future__ import annotations

import os
import time
from collections import Counter

from .train import load_clips
from .words import WordModels

__all__ = ["evaluate_words"]


def evaluate_words(rows: list[tuple[str, str]], model: str | os.PathLike[str] | None = None) -> dict:
    """``{"clips", "accuracy", "real_time_factor", "confusions": [{"said", "heard", "count"}]}`` of the
    word models ``model`` (default: the shipped ones) on ``(path, word)`` rows."""
    bundle = WordModels.load(model)
    clips = load_clips(rows)
    start = time.perf_counter()
    results = bundle.recognize(clips)
    seconds = time.perf_counter() - start
    truth = [w for _, w in rows]
    predicted = [r.text for r in results]
    correct = sum(p == t for p, t in zip(predicted, truth))
    confusions = Counter((t, p) for t, p in zip(truth, predicted) if t != p).most_common(5)
    return {"clips": len(rows), "correct": correct, "accuracy": correct / len(rows),
            "real_time_factor": seconds / sum(c.duration for c in clips),
            "confusions": [{"said": t, "heard": p, "count": n} for (t, p), n in confusions]}
