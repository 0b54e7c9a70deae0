"""CTC decoding on log-probabilities ``logp[frames, vocab]`` (NumPy; blank is index 0).

- :func:`greedy`: best label per frame, repeats collapsed, blanks removed.
- :func:`beam_search`: CTC prefix beam search, optionally with a word n-gram LM
  (score = log P_ctc + alpha * log P_lm + beta * words; the open word is scored by the
  best unigram it can still become, so the beam keeps closing words).
- :func:`ctc_log_likelihood`: log P(text | logp) by the CTC forward algorithm.
- :func:`grammar_decode`: the best phrase of a list, with a rejection score.
- :func:`forced_align` / :func:`word_timings`: word start/end times and confidences from
  the CTC (Viterbi) alignment of a text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sonitus import Word

from .defaults import DEFAULT_GRAMMAR_THRESHOLD
from .model import VOCAB, decode_ids, encode_text

__all__ = ["greedy", "greedy_ids", "beam_search", "ctc_log_likelihood", "grammar_decode", "GrammarResult",
           "forced_align", "word_timings", "refine_word_times"]

NEG = -1e30
SPACE = VOCAB.index(" ")


def greedy_ids(logp: np.ndarray) -> list[int]:
    """Label ids of the best path: argmax per frame, repeats collapsed, blanks removed."""
    best = np.asarray(logp).argmax(axis=-1)
    out, prev = [], 0
    for b in best:
        if b != prev and b != 0:
            out.append(int(b))
        prev = b
    return out


def greedy(logp: np.ndarray) -> str:
    """Greedy (best path) transcript of ``logp[frames, vocab]``, spaces normalised."""
    return " ".join(decode_ids(greedy_ids(logp)).split())


def _lae(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    if b <= NEG:
        return a
    return a + np.log1p(np.exp(b - a))


def beam_search(logp: np.ndarray, *, beam: int = 8, lm=None, alpha: float = 0.6, beta: float = 1.5,
                prune: float = -10.0, blank_skip: float = 0.99, top_k: int = 8) -> list[tuple[str, float]]:
    """CTC prefix beam search; returns up to ``beam`` ``(text, score)`` pairs, best first.

    Args:
        logp: log-probabilities ``[frames, vocab]``.
        beam: prefixes kept per frame.
        lm: optional word LM with ``score(history: tuple[str, ...], word) -> natural log prob``
            and ``end(history) -> log prob of the sentence end`` (see :class:`~.lm.NGramLM`).
        alpha: LM weight; beta: bonus per word.
        prune: skip labels with log-probability below this at a frame.
        blank_skip: a frame whose blank probability is at least this only extends every
            prefix with a blank (most CTC frames: a large speed-up, a negligible change).
        top_k: try at most this many labels a frame.
    """
    logp = np.asarray(logp, dtype=np.float64)
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, NEG)}
    # what the LM knows of a prefix, built from its parent's in O(1) when the prefix first
    # appears (a prefix lives for many frames): (LM score and word bonuses of its closed
    # words, the closed words, the open word, the beam's ranking term)
    lm_state: dict[tuple[int, ...], tuple[float, tuple[str, ...], str, float]] = {(): (0.0, (), "", 0.0)}

    def child(prefix: tuple[int, ...], c: int) -> tuple[int, ...]:
        extended = prefix + (c,)
        if lm is not None and extended not in lm_state:
            closed, words, open_word, _ = lm_state[prefix]
            if c == SPACE:
                closed = closed + alpha * lm.score(words, open_word) + beta
                lm_state[extended] = (closed, words + (open_word,), "", closed)
            else:
                open_word += VOCAB[c]
                # the open word scores as the best vocabulary word it can still become, so
                # that closing a word (and paying its LM cost) is not a penalty the beam avoids
                lm_state[extended] = (closed, words, open_word, closed + alpha * lm.prefix_score(open_word))
        return extended

    def lm_score(prefix: tuple[int, ...]) -> float:
        return 0.0 if lm is None else lm_state[prefix][3]

    skip = np.log(blank_skip) if blank_skip < 1 else np.inf
    for t in range(logp.shape[0]):
        row = logp[t]
        if row[0] >= skip:
            beams = {k: (_lae(pb, pnb) + row[0], NEG) for k, (pb, pnb) in beams.items()}
            continue
        cands = [int(c) for c in np.argsort(row)[::-1][:top_k + 1] if c != 0 and row[c] > prune][:top_k]
        nxt: dict[tuple[int, ...], list[float]] = {}

        def add(prefix, blank, value, nxt=nxt):
            cell = nxt.setdefault(prefix, [NEG, NEG])
            cell[blank] = _lae(cell[blank], value)

        for prefix, (pb, pnb) in beams.items():
            total = _lae(pb, pnb)
            add(prefix, 0, total + row[0])
            for c in cands:
                p = row[c]
                if c == SPACE and (not prefix or prefix[-1] == SPACE):
                    add(prefix, 0, total + p)  # no leading or double spaces
                    continue
                if prefix and c == prefix[-1]:
                    add(prefix, 1, pnb + p)
                    add(child(prefix, c), 1, pb + p)
                else:
                    add(child(prefix, c), 1, total + p)
        ranked = sorted(nxt.items(), key=lambda kv: -(_lae(*kv[1]) + lm_score(kv[0])))
        beams = {k: (v[0], v[1]) for k, v in ranked[:beam]}

    results = []
    for prefix, (pb, pnb) in beams.items():
        score = _lae(pb, pnb)
        words = decode_ids(prefix).split()
        if lm is not None and words:
            closed, closed_words, open_word, _ = lm_state[prefix]
            score += closed
            if open_word:
                score += alpha * lm.score(closed_words, open_word) + beta
            score += alpha * lm.end(tuple(words))
        results.append((" ".join(words), float(score)))
    merged: dict[str, float] = {}
    for text, score in results:
        merged[text] = max(score, merged.get(text, NEG))
    return sorted(merged.items(), key=lambda kv: -kv[1])


def _extended(ids: Sequence[int]) -> np.ndarray:
    ext = np.zeros(2 * len(ids) + 1, dtype=np.int64)
    ext[1::2] = ids
    return ext


def ctc_log_likelihood(logp: np.ndarray, text: str) -> float:
    """log P(text | logp) summed over all CTC alignments (forward algorithm)."""
    logp = np.asarray(logp, dtype=np.float64)
    ext = _extended(encode_text(text))
    S, T = len(ext), logp.shape[0]
    if T == 0:
        return NEG
    allow_skip = np.zeros(S, bool)
    allow_skip[2:] = (ext[2:] != 0) & (ext[2:] != ext[:-2])
    alpha = np.full(S, -np.inf)
    alpha[0] = logp[0, ext[0]]
    if S > 1:
        alpha[1] = logp[0, ext[1]]
    for t in range(1, T):
        prev1 = np.concatenate([[-np.inf], alpha[:-1]])
        prev2 = np.where(allow_skip, np.concatenate([[-np.inf, -np.inf], alpha[:-2]]), -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, prev1), prev2) + logp[t, ext]
    end = alpha[-1] if S == 1 else np.logaddexp(alpha[-1], alpha[-2])
    return float(end) if np.isfinite(end) else NEG


@dataclass(frozen=True)
class GrammarResult:
    """The best phrase, its log-likelihood, and how far it falls below free decoding.

    ``rejection`` is the per-frame log-likelihood gap between unconstrained decoding and
    the phrase (0 = the phrase is what free decoding heard; larger = less likely in the
    grammar). ``accepted`` is ``rejection <= threshold``; ``phrase`` is ``None`` when rejected.
    """

    phrase: str | None
    best: str
    log_likelihood: float
    rejection: float
    accepted: bool
    scores: dict


def grammar_decode(logp: np.ndarray, phrases: Sequence[str], *, threshold: float = DEFAULT_GRAMMAR_THRESHOLD,
                   beam: int = 8) -> GrammarResult:
    """Decode only phrases from ``phrases`` (a command grammar or keyword list)."""
    from sonitus.text import normalize

    if not phrases:
        from sonitus.errors import ParameterError

        raise ParameterError("grammar_decode needs at least one phrase; the grammar file is empty.")
    scores = {p: ctc_log_likelihood(logp, normalize(p)) for p in phrases}
    best = max(scores, key=scores.get)
    free = beam_search(logp, beam=beam)[0][0]
    free_ll = max(ctc_log_likelihood(logp, free), scores[best])
    frames = max(1, np.asarray(logp).shape[0])
    rejection = float((free_ll - scores[best]) / frames)
    accepted = rejection <= threshold
    return GrammarResult(best if accepted else None, best, scores[best], rejection, accepted, scores)


def forced_align(logp: np.ndarray, text: str) -> list[tuple[int, int, int]]:
    """Viterbi CTC alignment of ``text``: ``(label_index, first_frame, last_frame)`` per character.

    ``label_index`` indexes the characters of ``text`` (after dropping unknown characters).
    """
    logp = np.asarray(logp, dtype=np.float64)
    ids = encode_text(text)
    ext = _extended(ids)
    S, T = len(ext), logp.shape[0]
    if not ids or T == 0:
        return []
    allow_skip = np.zeros(S, bool)
    allow_skip[2:] = (ext[2:] != 0) & (ext[2:] != ext[:-2])
    delta = np.full(S, -np.inf)
    delta[0] = logp[0, ext[0]]
    delta[1] = logp[0, ext[1]]
    back = np.zeros((T, S), np.int8)
    for t in range(1, T):
        cands = np.stack([delta,
                          np.concatenate([[-np.inf], delta[:-1]]),
                          np.where(allow_skip, np.concatenate([[-np.inf, -np.inf], delta[:-2]]), -np.inf)])
        back[t] = cands.argmax(axis=0)
        delta = cands.max(axis=0) + logp[t, ext]
    s = S - 1 if S == 1 or delta[-1] >= delta[-2] else S - 2
    states = np.zeros(T, np.int64)
    for t in range(T - 1, -1, -1):
        states[t] = s
        s -= int(back[t, s])  # a NumPy int8 here would overflow past 127 states (64 characters)
    spans: dict[int, list[int]] = {}
    for t, s in enumerate(states):
        if s % 2 == 1:
            k = s // 2
            spans.setdefault(k, [t, t])[1] = t
    return [(k, a, b) for k, (a, b) in sorted(spans.items())]


def word_timings(logp: np.ndarray, text: str, frame_rate: float, *, audio: np.ndarray | None = None,
                 sample_rate: int = 16000) -> tuple[Word, ...]:
    """Words of ``text`` with start/end seconds and confidence from the CTC alignment.

    A word starts at the first frame of its first character and ends after the last frame
    of its last character (frames are ``1 / frame_rate`` s). Confidence is the mean
    posterior of the word's characters at their aligned frames.
    """
    logp = np.asarray(logp)
    chars = [c for c in text if encode_text(c)]
    spans = forced_align(logp, "".join(chars))
    if not spans:
        return ()
    post = np.exp(logp)
    ids = encode_text("".join(chars))
    words, current = [], []
    for k, a, b in spans:
        if ids[k] == SPACE:
            if current:
                words.append(current)
            current = []
        else:
            current.append((k, a, b))
    if current:
        words.append(current)
    out = []
    for group in words:
        word = "".join(chars[k] for k, _, _ in group)
        conf = float(np.mean([post[a:b + 1, ids[k]].max() for k, a, b in group]))
        out.append(Word(word, round(group[0][1] / frame_rate, 3), round((group[-1][2] + 1) / frame_rate, 3),
                        round(conf, 3)))
    return tuple(out) if audio is None else refine_word_times(tuple(out), audio, sample_rate)


def refine_word_times(words: tuple[Word, ...], audio: np.ndarray, sample_rate: int, *,
                      floor_db: float = 35.0, bridge: int = 5) -> tuple[Word, ...]:
    """Move each word's edges to where the sound starts and stops (10 ms frames).

    CTC fires each character in one frame and gives the rest of a word to the blank, so its
    word ends come early (by ~0.1 s). A word's span grows over neighbouring frames louder than
    ``floor_db`` below the loudest frame between its neighbours (bridging dips of up to
    ``bridge`` frames), never into the previous or next word, and shrinks off silent edges.
    """
    x = np.asarray(audio, np.float64).reshape(-1)
    hop = max(1, sample_rate // 100)
    n = len(x) // hop
    if n == 0 or not words:
        return words
    energy = 10 * np.log10(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    out = []
    for i, w in enumerate(words):
        low = 0 if i == 0 else int(round(out[-1].end * 100))  # the previous word as refined: no overlap
        high = n if i == len(words) - 1 else int(round(words[i + 1].start * 100))
        a = min(max(int(round(w.start * 100)), low), n - 1)
        b = min(max(int(round(w.end * 100)), a + 1), high)
        loud = np.zeros(n, bool)  # loud relative to this word's own peak: words differ in level
        loud[low:high] = energy[low:high] > energy[low:high].max() - floor_db
        if loud[a:b].any():  # shrink off silence, then grow over sound (bridging dips up to 50 ms)
            a, b = a + int(np.argmax(loud[a:b])), b - int(np.argmax(loud[a:b][::-1]))
            while True:
                lead = np.flatnonzero(loud[max(low, a - bridge):a])
                if not lead.size:
                    break
                a = max(low, a - bridge) + int(lead[0])
            while True:
                tail = np.flatnonzero(loud[b:min(high, b + bridge)])
                if not tail.size:
                    break
                b = b + int(tail[-1]) + 1
        out.append(Word(w.text, round(a / 100, 3), round(b / 100, 3), w.confidence))
    return tuple(out)
