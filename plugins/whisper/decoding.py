"""Decode a batch of 30 s windows: greedy, beam search or sampling, with Whisper's rules.

The rules are openai-whisper's: non-speech symbols and task tokens never sampled, no blank
first token, timestamps in pairs and never decreasing, the first timestamp within 1 s, and a
timestamp forced when all timestamps together are likelier than any text token. Beam search
keeps ``beam`` hypotheses an audio and stops when ``beam`` have ended; the winner has the
highest log-probability divided by its length (openai-whisper's default ranking).
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Sequence

import numpy as np

from .runtime import Runtime, StepState

__all__ = ["DecodeOptions", "DecodeResult", "decode_windows", "compression_ratio"]

_PREFILL_BUCKETS = (4, 16, 64, 128, 256)
_AUDIO_BUCKETS = (1, 2, 4, 8, 16, 32)
_CACHE_BUCKETS = (32, 64, 128, 256)


@dataclasses.dataclass(frozen=True)
class DecodeOptions:
    """How to decode one batch of windows.

    Attributes:
        beam: beam width (1: greedy); ignored when ``temperature`` > 0.
        temperature: 0 for the most likely tokens; above it, ``best_of`` samples an audio.
        best_of: samples drawn at a temperature above 0 (the likeliest one wins).
        timestamps: predict timestamp tokens (needed for long audio and segments).
        language, task: multilingual models only.
    """

    beam: int = 5
    temperature: float = 0.0
    best_of: int = 5
    timestamps: bool = True
    language: str | None = None
    task: str = "transcribe"


@dataclasses.dataclass(frozen=True)
class DecodeResult:
    """What one window decoded to: ``tokens`` (text and timestamp tokens, no special ones),
    ``text``, ``avg_logprob`` (nats a token), ``no_speech_prob``, ``temperature``,
    ``compression_ratio`` (gzip ratio of the text: above 2.4 it repeats itself), ``language``
    and its probability (multilingual models)."""

    tokens: tuple[int, ...]
    text: str
    avg_logprob: float
    no_speech_prob: float
    temperature: float
    compression_ratio: float
    language: str | None = None
    language_prob: float | None = None


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _cache_length(n: int, n_ctx: int) -> int:
    """Self-attention cache lengths: a short cache is read faster at every step."""
    for size in _CACHE_BUCKETS:
        if n <= size:
            return min(size, n_ctx)
    return n_ctx


def _bucket(n: int) -> int:
    for size in _PREFILL_BUCKETS:
        if n <= size:
            return size
    return -(-n // 64) * 64


#: The raw ``uint32[2]`` form of ``jax.random.PRNGKey(0)``, passed where nothing is sampled, so
#: that greedy and beam search never compile or run JAX's random-number programs.
_UNUSED_KEY = np.zeros(2, np.uint32)


def _detect_languages(rt: Runtime, cross, rows: int) -> list[tuple[str, float]]:
    """The likeliest language of each audio, from the first decoder step after <|startoftranscript|>."""
    tok = rt.tokenizer
    tokens = np.full((rows, 1), tok.sot, np.int32)
    state = StepState(np.ones(rows, np.int32), np.zeros(rows, bool), np.zeros(rows, bool), np.full(rows, -1, np.int32))
    first, *_ = rt.step(rt.params, tokens, np.zeros(rows, np.int32), rt.empty_cache(rows), cross,
                        np.zeros((rows, 2), np.int32), state, 0.0, _UNUSED_KEY, k=1, timestamps=False,
                        weights=False)
    first = np.asarray(first)
    codes = list(tok.languages)
    ids = np.array([tok.languages[c] for c in codes])
    logp = first[:, ids]
    probs = np.exp(logp - logp.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    best = probs.argmax(axis=1)
    return [(codes[b], float(probs[r, b])) for r, b in enumerate(best)]


def decode_windows(rt: Runtime, cross, prompts: Sequence[Sequence[int]], options: DecodeOptions,
                   *, seed: int = 0, languages: Sequence[str | None] | None = None) -> list[DecodeResult]:
    """Decode the windows whose cross-attention keys/values ``cross`` (``[layers, batch, ...]``)
    were computed by ``rt.encode``; ``prompts[i]`` is text that came before window ``i``
    (``<|startofprev|>`` conditioning, at most half the context). ``languages[i]``: the language
    of window ``i`` where known (an earlier window of its file); ``options.language`` otherwise,
    and where both are None a multilingual model detects it. Windows whose text is complete
    leave the batch once the others fit a smaller batch size, so a step costs what the windows
    still decoding need, not what the longest text needs."""
    import jax
    import jax.numpy as jnp

    tok, n_ctx = rt.tokenizer, rt.config.n_text_ctx
    wanted = len(prompts)
    n_audio = next((b for b in _AUDIO_BUCKETS if b >= wanted), wanted)
    if n_audio != wanted:  # pad to a bucket so that few shapes compile; the extra rows are dropped
        pad = np.zeros(n_audio - wanted, np.int32)
        cross = jax.tree_util.tree_map(lambda a: jnp.concatenate([a, a[pad]], axis=0), cross)
        prompts = [*prompts, *([[]] * (n_audio - wanted))]
    known = [*(languages or [None] * wanted), *([None] * (n_audio - wanted))]
    chosen: list[tuple[str | None, float | None]] = [(code or options.language, None) for code in known]
    if tok.multilingual and any(code is None for code, _ in chosen[:wanted]):
        detected = _detect_languages(rt, cross, n_audio)
        chosen = [given if given[0] is not None else found for given, found in zip(chosen, detected)]
    sampling = options.temperature > 0
    width = options.best_of if sampling else options.beam
    rows = n_audio * width

    starts = []
    for (language, _), prompt in zip(chosen, prompts):
        seq = list(tok.sot_sequence(language=language if tok.multilingual else None, task=options.task))
        if not options.timestamps:
            seq.append(tok.no_timestamps)
        prev = list(prompt)[-(n_ctx // 2 - 1):]
        starts.append(([tok.sot_prev, *prev] if prev else []) + seq)
    length = _bucket(max(len(s) for s in starts))
    tokens = np.zeros((rows, length), np.int32)
    gather = np.zeros((rows, 2), np.int32)
    for i, s in enumerate(starts):
        tokens[i * width:(i + 1) * width, :len(s)] = s
        gather[i * width:(i + 1) * width] = (s.index(tok.sot), len(s) - 1)
    position = np.repeat([len(s) for s in starts], width).astype(np.int32)

    generated: list[list[int]] = [[] for _ in range(rows)]
    sum_logp = np.zeros(rows)
    finished: list[dict[tuple[int, ...], float]] = [{} for _ in range(n_audio)]
    done = np.zeros(rows, bool)
    key = jax.random.PRNGKey(seed) if sampling else _UNUSED_KEY
    cache = rt.empty_cache(rows, _cache_length(length + 16, n_ctx))
    order = None
    offsets = np.zeros(rows, np.int32)
    no_speech = np.zeros(n_audio)
    sample_len = n_ctx // 2
    k = 0 if sampling else (width + 1 if width > 1 else 1)
    beam = width > 1 and not sampling
    audios = np.where(np.arange(n_audio) < wanted, np.arange(n_audio), -1)  # the bucket's padding: filler
    batch = _Batch(audios, width, generated, sum_logp, finished)

    for step in range(sample_len):
        state = _state(batch.generated, tok.timestamp_begin)
        key, sub = jax.random.split(key) if sampling else (key, key)
        needed = int(offsets.max()) + tokens.shape[1]
        if needed > cache.length:  # grow the cache to the next length bucket
            cache = cache.grow(_cache_length(needed, n_ctx))
        first, best_lp, best_tok, cache, _ = rt.step(
            rt.params, tokens, offsets, cache, cross, gather, state, np.float32(options.temperature), sub,
            k=k, timestamps=options.timestamps, weights=False, rows=order)
        best_lp, best_tok = np.asarray(best_lp, np.float64), np.asarray(best_tok)
        if step == 0:
            first = np.asarray(first)
            no_speech = np.exp(first[::width, tok.no_speech])
        if beam:
            order = _beam_step(batch.generated, batch.sum_logp, best_lp, best_tok, batch.finished, width,
                               tok.eot).astype(np.int32)
            next_tokens = np.array([g[-1] for g in batch.generated], np.int32)
            complete = np.array([len(f) >= width for f in batch.finished])
        else:
            next_tokens = np.where(done, tok.eot, best_tok[:, 0]).astype(np.int32)
            batch.sum_logp += np.where(done, 0.0, best_lp[:, 0])
            for r in np.flatnonzero(~done):
                if next_tokens[r] == tok.eot:
                    done[r] = True
                else:
                    batch.generated[r].append(int(next_tokens[r]))
            complete = done.reshape(-1, width).all(axis=1)
        complete |= batch.audios < 0  # filler: its rows run on, their text goes nowhere
        offsets = position if step == 0 else offsets + 1
        if complete.all() or int(offsets.max()) >= n_ctx - 1:
            break
        tokens = next_tokens[:, None]
        kept = _shrink_to(complete)
        if kept is not None:  # drop finished audios: a batch no longer runs at its longest text's pace
            rows_kept = batch.keep(kept, complete)
            cross = cross.take(kept)
            cache = cache.take(rows_kept if order is None else order[rows_kept])
            order = None if order is None else np.arange(len(rows_kept), dtype=np.int32)
            tokens, offsets, done = tokens[rows_kept], offsets[rows_kept], done[rows_kept]
        gather = np.zeros((len(tokens), 1), np.int32)
    batch.store()

    results = []
    for i in range(wanted):
        if beam:
            candidates = dict(finished[i])
            if len(candidates) < width:  # ran out of length: the best unfinished hypotheses count too
                for r in sorted(range(i * width, (i + 1) * width), key=lambda r: -sum_logp[r]):
                    candidates.setdefault(tuple(generated[r]), float(sum_logp[r]))
        else:
            candidates = {}
            for r in range(i * width, (i + 1) * width):
                candidates.setdefault(tuple(generated[r]), float(sum_logp[r]))
        best = max(candidates, key=lambda s: candidates[s] / max(len(s), 1))
        text = tok.decode(best)
        language, language_prob = chosen[i]
        results.append(DecodeResult(best, text, float(candidates[best] / (len(best) + 1)), float(no_speech[i]),
                                    float(options.temperature), compression_ratio(text), language, language_prob))
    return results


def _shrink_to(complete: np.ndarray) -> np.ndarray | None:
    """The batch positions to keep when those not ``complete`` fit a smaller audio bucket
    (padded with complete ones, whose rows run on as filler), or None to keep the batch."""
    pending = np.flatnonzero(~complete)
    size = next((b for b in _AUDIO_BUCKETS if b >= len(pending)), len(pending))
    if size >= len(complete):
        return None
    return np.concatenate([pending, np.flatnonzero(complete)[: size - len(pending)]])


class _Batch:
    """The hypotheses of the audios still decoding, and where each came from.

    ``generated``, ``sum_logp`` and ``finished`` are the current rows' (``width`` rows per
    audio); :meth:`keep` drops finished audios from them, writing their rows back into the
    whole batch's lists first, and :meth:`store` writes back the rest at the end."""

    def __init__(self, audios: np.ndarray, width: int, generated: list, sum_logp: np.ndarray, finished: list):
        self.audios, self.width = audios, width  # audio index of each position; -1: filler
        self._all_generated, self._all_sum_logp = generated, sum_logp
        self.generated, self.sum_logp, self.finished = list(generated), sum_logp.copy(), list(finished)

    def store(self) -> None:
        w = self.width
        for p, a in enumerate(self.audios):
            if a >= 0:
                self._all_generated[a * w:(a + 1) * w] = self.generated[p * w:(p + 1) * w]
                self._all_sum_logp[a * w:(a + 1) * w] = self.sum_logp[p * w:(p + 1) * w]

    def keep(self, positions: np.ndarray, complete: np.ndarray) -> np.ndarray:
        """Keep ``positions``; those among them that are ``complete`` stay only as filler.
        Returns the current rows kept (``width`` a position), in their new order."""
        self.store()
        w = self.width
        rows = (positions[:, None] * w + np.arange(w)).reshape(-1)
        filler = complete[positions]
        self.audios = np.where(filler, -1, self.audios[positions])
        self.generated = [list(self.generated[r]) for r in rows]
        self.sum_logp = self.sum_logp[rows]
        self.finished = [{} if f else self.finished[p] for p, f in zip(positions, filler)]
        return rows


def _state(generated: list[list[int]], ts_begin: int) -> StepState:
    rows = len(generated)
    n = np.array([len(g) for g in generated], np.int32)
    last = np.array([bool(g) and g[-1] >= ts_begin for g in generated])
    penult = np.array([len(g) < 2 or g[-2] >= ts_begin for g in generated])
    last_timestamp = np.full(rows, -1, np.int32)
    for r, g in enumerate(generated):
        for t in reversed(g):
            if t >= ts_begin:
                last_timestamp[r] = t
                break
    return StepState(n, last, penult, last_timestamp)


def _beam_step(generated, sum_logp, best_lp, best_tok, finished, width, eot) -> np.ndarray:
    """One step of openai-whisper's beam search, in place on ``generated`` and ``sum_logp``.
    Returns the source row of each new row (for reordering the cache)."""
    order = np.arange(len(generated))
    new_generated = [list(g) for g in generated]
    for i in range(len(finished)):
        scores: dict[tuple[int, ...], float] = {}
        sources: dict[tuple[int, ...], int] = {}
        for r in range(i * width, (i + 1) * width):
            prefix = tuple(generated[r])
            for lp, t in zip(best_lp[r], best_tok[r]):
                seq = prefix + (int(t),)
                if seq not in scores:
                    scores[seq], sources[seq] = sum_logp[r] + lp, r
        kept = 0
        for seq in sorted(scores, key=scores.get, reverse=True):
            if seq[-1] == eot:
                if len(finished[i]) < width:
                    finished[i][seq[:-1]] = scores[seq]
            else:
                r = i * width + kept
                new_generated[r] = list(seq)
                sum_logp[r] = scores[seq]
                order[r] = sources[seq]
                kept += 1
                if kept == width:
                    break
    generated[:] = new_generated
    return order
