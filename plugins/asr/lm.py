"""A word n-gram language model built from the training text (interpolated Kneser-Ney).

>>> lm = NGramLM.build(["the cat sat", "the cat ran", "a dog sat"], order=3)
>>> lm.score(("the",), "cat") > lm.score(("the",), "dog")
True

Scores are natural-log probabilities. An unknown word ``w`` gets
``unk_logprob + len(w) * unk_char_logprob`` (a spelling model: long unknown strings are
unlikely), so the beam search can still spell words it never saw but gains nothing by
running words together. Saved as JSON
(``*.lm.json``) beside the model checkpoint; never pickled.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from sonitus.atomic import atomic_write_text
from sonitus.errors import CheckpointError

__all__ = ["NGramLM"]

BOS, EOS = "<s>", "</s>"


class NGramLM:
    """Interpolated Kneser-Ney word LM of order 2 or 3 with discount ``d``."""

    def __init__(self, counts: dict[int, dict[tuple[str, ...], int]], order: int, *, d: float = 0.75,
                 unk_logprob: float = -10.0, unk_char_logprob: float = -1.5):
        self.order, self.d, self.unk_logprob, self.unk_char_logprob = order, d, unk_logprob, unk_char_logprob
        self.counts = counts  # highest order: real counts; lower orders: continuation counts
        self._ctx_total: dict[int, Counter] = {}
        self._ctx_types: dict[int, Counter] = {}
        for n, table in counts.items():
            total, types = Counter(), Counter()
            for gram, c in table.items():
                total[gram[:-1]] += c
                types[gram[:-1]] += 1
            self._ctx_total[n], self._ctx_types[n] = total, types
        self.vocab = {g[0] for g in counts[1]}
        self._uni_total = sum(counts[1].values())
        self._cache: dict[tuple[str, ...], float] = {}
        self._prefix_best: dict[str, float] | None = None

    @classmethod
    def build(cls, sentences: Iterable[str], *, order: int = 3, **kw) -> NGramLM:
        """Count n-grams of ``sentences`` (normalised text, words split on spaces)."""
        order = max(1, min(3, order))
        top: Counter = Counter()
        for s in sentences:
            words = [BOS] * (order - 1) + s.split() + [EOS]
            if len(words) < order or not s.strip():
                continue
            for i in range(order - 1, len(words)):
                top[tuple(words[i - order + 1:i + 1])] += 1
        counts: dict[int, dict[tuple[str, ...], int]] = {order: dict(top)}
        for n in range(order - 1, 0, -1):
            cont: Counter = Counter()
            for gram in counts[n + 1]:
                cont[gram[1:]] += 1  # number of distinct left contexts
            counts[n] = dict(cont)
        return cls(counts, order, **kw)

    def _prob(self, gram: tuple[str, ...]) -> float:
        n = len(gram)
        if n == 1:
            return self.counts[1].get(gram, 0) / max(1, self._uni_total)
        ctx = gram[:-1]
        total = self._ctx_total[n].get(ctx, 0)
        lower = self._prob(gram[1:])
        if total == 0:
            return lower
        c = self.counts[n].get(gram, 0)
        backoff = self.d * self._ctx_types[n][ctx] / total
        return max(c - self.d, 0) / total + backoff * lower

    def score(self, history: tuple[str, ...], word: str) -> float:
        """ln P(word | history); ``history`` is the words before ``word`` in the sentence."""
        if word not in self.vocab and word != EOS:
            return self.unk_score(word)
        hist = ((BOS,) * (self.order - 1) + tuple(history))[-(self.order - 1):] if self.order > 1 else ()
        key = hist + (word,)
        if key not in self._cache:
            p = self._prob(key)
            self._cache[key] = math.log(p) if p > 0 else self.unk_logprob
        return self._cache[key]

    def prefix_score(self, partial: str) -> float:
        """ln of the best unigram probability of a vocabulary word starting with ``partial``
        (the unknown-word score when none does): the look-ahead score of an unfinished word."""
        if self._prefix_best is None:
            best: dict[str, float] = {}
            for (word,), count in self.counts[1].items():
                value = math.log(count / max(1, self._uni_total))
                for i in range(1, len(word) + 1):
                    if best.get(word[:i], -math.inf) < value:
                        best[word[:i]] = value
            self._prefix_best = best
        best = self._prefix_best.get(partial)
        return self.unk_score(partial) if best is None else best

    def unk_score(self, word: str) -> float:
        """ln P of an out-of-vocabulary word: a fixed cost plus a cost per character."""
        return self.unk_logprob + len(word) * self.unk_char_logprob

    def end(self, history: tuple[str, ...]) -> float:
        """ln P(end of sentence | history)."""
        return self.score(history, EOS)

    def save(self, path: str | Path) -> Path:
        data = {"format": "sonitus-ngram", "order": self.order, "d": self.d, "unk_logprob": self.unk_logprob,
                "unk_char_logprob": self.unk_char_logprob,
                "counts": {str(n): [[" ".join(g), c] for g, c in table.items()] for n, table in self.counts.items()}}
        return atomic_write_text(path, json.dumps(data, separators=(",", ":")))

    @classmethod
    def load(cls, path: str | Path) -> NGramLM:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"Cannot read the language model {path}: {exc}.") from exc
        if data.get("format") != "sonitus-ngram":
            raise CheckpointError(f"{path} is not a sonitus n-gram LM file.")
        counts = {int(n): {tuple(g.split(" ")): c for g, c in rows} for n, rows in data["counts"].items()}
        return cls(counts, data["order"], d=data["d"], unk_logprob=data["unk_logprob"],
                   unk_char_logprob=data.get("unk_char_logprob", -1.5))
