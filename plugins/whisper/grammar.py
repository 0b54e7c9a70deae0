"""Grammar decoding with Whisper: the audio is a command from a list, or nothing.

Each phrase is scored by the decoder reading it (teacher-forced, all phrases in one batch),
in the written forms Whisper produces (as given, capitalised, with a full stop); the best
phrase wins. Free decoding (beam search, no constraint) is the yardstick: when it is more
likely than the best phrase by more than ``threshold`` nats a token of that phrase, the audio
is rejected (it said something else). The same semantics as the ``ctc`` recogniser's grammar
mode, per token instead of per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .decoding import DecodeOptions, decode_windows

__all__ = ["GrammarResult", "grammar_decode", "DEFAULT_THRESHOLD"]

#: nats a token by which free decoding may beat the best phrase (benchmarks/grammar_rejection.py)
DEFAULT_THRESHOLD = 0.4


@dataclass(frozen=True)
class GrammarResult:
    """``phrase`` (None when rejected), ``best`` (the likeliest phrase either way), its mean
    log-probability a token, ``rejection`` (nats a token free decoding beats it by) and
    ``accepted``."""

    phrase: str | None
    best: str
    best_logprob: float
    rejection: float
    accepted: bool
    free_text: str


def _written_forms(phrase: str) -> list[str]:
    phrase = phrase.strip()
    capital = phrase[:1].upper() + phrase[1:]
    return list(dict.fromkeys([phrase, capital, capital + ".", capital + "?", phrase + "."]))


def grammar_decode(rt, cross_row, phrases: list[str], *, threshold: float = DEFAULT_THRESHOLD, beam: int = 5,
                   language: str | None = None) -> GrammarResult:
    """Decode one window (``cross_row``: its cross-attention keys/values, one row) into one of
    ``phrases`` or nothing."""
    tok = rt.tokenizer
    language = language if tok.multilingual else None
    prefix = [*tok.sot_sequence(language=language), tok.no_timestamps]
    forms, owners = [], []
    for i, phrase in enumerate(phrases):
        for form in _written_forms(phrase):
            forms.append(tok.encode(" " + form) + [tok.eot])
            owners.append(i)
    length = -(-(len(prefix) + max(len(f) for f in forms)) // 16) * 16
    tokens = np.full((len(forms), length), tok.eot, np.int32)
    for r, form in enumerate(forms):
        tokens[r, :len(prefix) + len(form)] = prefix + form
    logp, _ = rt.read(rt.params, tokens, cross_row)
    logp = np.asarray(logp)
    totals = np.array([sum(logp[r, len(prefix) - 1 + j, t] for j, t in enumerate(form))
                       for r, form in enumerate(forms)])
    per_phrase = np.full(len(phrases), -np.inf)
    lengths = np.ones(len(phrases))
    for r, i in enumerate(owners):
        if totals[r] > per_phrase[i]:
            per_phrase[i], lengths[i] = totals[r], len(forms[r])
    best = int(np.argmax(per_phrase))
    free = decode_windows(rt, cross_row, [[]], DecodeOptions(beam=beam, timestamps=False, language=language))[0]
    free_total = free.avg_logprob * (len(free.tokens) + 1)
    rejection = float(max(free_total - per_phrase[best], 0.0) / lengths[best])
    accepted = rejection <= threshold
    return GrammarResult(phrases[best] if accepted else None, phrases[best], float(per_phrase[best] / lengths[best]),
                         rejection, accepted, free.text.strip())
