"""Word timings from the cross-attention of the model's alignment heads, by dynamic time warping
(openai-whisper's method): the decoder re-reads a window's text, the chosen heads' attention
over the audio frames is normalised per head and median-filtered, and DTW through the averaged
matrix gives where each token, and so each word, starts and ends.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .runtime import TIME_PRECISION, Runtime

__all__ = ["dtw", "split_words", "align_words"]

_MEDIAN_WIDTH = 7
_PUNCTUATION = ".,!?;:'\""


def dtw(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest monotonic path through ``cost`` ``[rows, cols]`` from (0, 0) to the far
    corner, as (row indices, column indices)."""
    rows, cols = cost.shape
    total = np.full((rows + 1, cols + 1), np.inf)
    total[0, 0] = 0.0
    trace = np.zeros((rows + 1, cols + 1), np.int8)
    c = cost.tolist()
    t = total.tolist()
    for i in range(1, rows + 1):
        above, here, ci = t[i - 1], t[i], c[i - 1]
        for j in range(1, cols + 1):
            diagonal, up, left = above[j - 1], above[j], here[j - 1]
            if diagonal <= up and diagonal <= left:
                best, move = diagonal, 0
            elif up <= left:
                best, move = up, 1
            else:
                best, move = left, 2
            here[j] = ci[j - 1] + best
            trace[i, j] = move
    i, j = rows, cols
    path = []
    while i > 0 and j > 0:
        path.append((i - 1, j - 1))
        move = trace[i, j]
        if move == 0:
            i, j = i - 1, j - 1
        elif move == 1:
            i -= 1
        else:
            j -= 1
    path.reverse()
    arr = np.array(path)
    return arr[:, 0], arr[:, 1]


def split_words(rt: Runtime, tokens: Sequence[int]) -> list[list[int]]:
    """Text tokens grouped into words: a word starts at a token that begins with a space;
    punctuation stays with the word before it."""
    words: list[list[int]] = []
    for t in tokens:
        text = rt.tokenizer.token_text(t)
        starts_word = text.startswith(" ") and text.strip() != ""
        if not words or (starts_word and not all(ch in _PUNCTUATION for ch in text.strip())):
            words.append([t])
        else:
            words[-1].append(t)
    return words


def _trailing_punctuation(rt: Runtime, word: Sequence[int]) -> int:
    """How many of ``word``'s last tokens are punctuation."""
    count = 0
    for t in reversed(word):
        text = rt.tokenizer.token_text(t).strip()
        if not text or not all(ch in _PUNCTUATION for ch in text):
            break
        count += 1
    return count


def median_along_time(x: np.ndarray, width: int) -> np.ndarray:
    """The running median of odd ``width`` over the last axis, edges repeated (scipy.ndimage's
    ``median_filter(x, size=(1, ..., width), mode="nearest")``, without the 0.1-0.15 s of
    importing scipy.ndimage in each new process)."""
    half = width // 2
    padded = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, width, axis=-1), axis=-1)


def align_words(rt: Runtime, cross_row, sot_sequence: Sequence[int], text_tokens: Sequence[int],
                frames: int, offset: float) -> list[tuple[str, float, float, float]]:
    """``(word, start s, end s, probability)`` for the ``text_tokens`` of one window whose
    cross-attention keys/values are ``cross_row`` (batch 1); ``frames`` mel frames of it hold
    audio; times are shifted by ``offset`` seconds."""
    if not text_tokens:
        return []
    tok = rt.tokenizer
    seq = [*sot_sequence, tok.no_timestamps, *text_tokens, tok.eot]
    n = len(seq)
    length = max(16, 1 << (n - 1).bit_length())
    if length > rt.config.n_text_ctx:
        return []
    tokens = np.zeros((1, length), np.int32)
    tokens[0, :n] = seq
    logp, attn = rt.read(rt.params, tokens, cross_row)
    attn = np.asarray(attn, np.float32)[:, 0]  # [layers, heads, T, audio]
    audio_frames = max(1, frames // 2)
    heads = [(layer, head) for layer, head in rt.checkpoint.alignment_heads if layer < attn.shape[0]]
    weights = np.stack([attn[layer, head, :n, :audio_frames] for layer, head in heads])
    # the softmax over the frames that hold audio only, as openai-whisper takes it: attention that
    # went to the window's padding would otherwise make some rows fainter than others
    weights = weights / np.maximum(weights.sum(axis=-1, keepdims=True), 1e-30)
    weights = (weights - weights.mean(axis=-2, keepdims=True)) / (weights.std(axis=-2, keepdims=True) + 1e-8)
    weights = median_along_time(weights, _MEDIAN_WIDTH)
    # row k: the query that predicts text token k (row 0 sits at <|notimestamps|>), and one more
    # row at the last text token, where the last word ends
    matrix = weights.mean(axis=0)[len(sot_sequence): n - 1]
    first_text = len(sot_sequence) + 1
    logp = np.asarray(logp[0], np.float64)
    token_probs = np.exp(logp[np.arange(first_text - 1, n - 2), np.asarray(seq[first_text:n - 1])])
    text_index, time_index = dtw(-matrix)
    words = split_words(rt, text_tokens)
    jumps = np.pad(np.diff(text_index), (1, 0), constant_values=1).astype(bool)
    jump_times = time_index[jumps] * TIME_PRECISION
    bounds = np.concatenate([[0], np.cumsum([len(w) for w in words])])
    out = []
    for w, a, b in zip(words, bounds[:-1], bounds[1:]):
        # a word ends where its trailing punctuation starts (openai-whisper times "," as a word of
        # its own, then merges the text): a comma's row spans the pause after the word
        spoken = b - _trailing_punctuation(rt, w)
        start, end = float(jump_times[a]), float(jump_times[spoken if spoken > a else b])
        text = tok.decode(w).strip()
        if text:
            p = float(np.mean(token_probs[a:b])) if b > a else 0.0
            out.append((text, round(offset + start, 3), round(offset + max(end, start + TIME_PRECISION), 3), p))
    return out
