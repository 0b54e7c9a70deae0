"""A loaded Whisper ready to run: parameters on the device, the tokenizer, and the jitted
functions decoding calls (encode a batch of windows; one decoder step with Whisper's logit
rules applied inside the same XLA program, so that only the few best tokens leave it)."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .checkpoint import Checkpoint, load_checkpoint
from .model import KVCache, Whisper, WhisperConfig
from .tokenizer import WhisperTokenizer
from .traced import PersistentJit

__all__ = ["Runtime", "StepState", "load_runtime"]

#: seconds a timestamp token stands for
TIME_PRECISION = 0.02
#: the first timestamp may be at most 1 s into a window (openai-whisper's max_initial_timestamp)
MAX_INITIAL_TIMESTAMP = 1.0


class StepState(NamedTuple):
    """Per-row facts the logit rules need, ``[rows]`` each: tokens generated so far, whether the
    last / second-to-last generated token was a timestamp, and the last timestamp token (-1: none)."""

    generated: np.ndarray
    last_ts: np.ndarray
    penult_ts: np.ndarray
    last_timestamp: np.ndarray


class Runtime:
    """Holds a Whisper checkpoint, its tokenizer and its jitted functions."""

    def __init__(self, checkpoint: Checkpoint, tokenizer: WhisperTokenizer, *, folder: Path,
                 dtype: str = "float32"):
        import jax
        import jax.numpy as jnp
        from sonitus import jaxcache

        jaxcache.enable()
        self.dtype = jnp.bfloat16 if dtype == "bfloat16" else jnp.float32
        placed = jax.tree_util.tree_map(lambda a: jnp.asarray(a, self.dtype), checkpoint.params)
        if self.dtype == jnp.float32:  # keep one copy of the weights, not the host's and the device's
            checkpoint = checkpoint._replace(params=placed)
        self.checkpoint, self.tokenizer, self.folder = checkpoint, tokenizer, folder
        self.config: WhisperConfig = checkpoint.config
        self.module = Whisper(self.config)
        self.params = {"params": placed}

    @functools.cached_property
    def _context(self) -> str:
        """A digest of what the jitted pieces close over and their arguments' shapes do not show."""
        tok = self.tokenizer
        suppress, blank = self._masks
        digest = hashlib.sha256(json.dumps([self.config.to_dict(), str(np.dtype(self.dtype)), tok.timestamp_begin,
                                            tok.no_timestamps, tok.eot]).encode())
        digest.update(np.packbits(suppress).tobytes() + np.packbits(blank).tobytes())
        return digest.hexdigest()

    # ---- jitted pieces; shapes bucketed by the caller so that few compile
    @functools.cached_property
    def encode(self):
        """``encode(mel [batch, frames, n_mels]) -> (audio features, cross KVCache)``."""
        module = self.module

        def run(params, mel):
            audio = module.apply(params, mel.astype(self.dtype), method=Whisper.encode)
            return audio, module.apply(params, audio, method=Whisper.cross_kv)

        return PersistentJit(run, name="encode", context=self._context, tuples=(KVCache,))

    def encode_windows(self, windows, frames: int | None = None) -> KVCache:
        """The decoder's cross-attention keys/values of log-mel windows (each ``[n_mels, <= 3000]``,
        zero-padded to 30 s), one row per window; with ``frames`` (even, <= 3000) the encoder
        hears only each window's first ``frames`` mel frames. The encoder runs one window at a
        time: on a CPU a batch of windows costs more per window (0.33 s alone, 0.47 s in a batch
        of 8 on 2 cores, tiny.en), as its 1500 x 1500 attention maps stop fitting in cache."""
        import jax.numpy as jnp

        frames = frames or 2 * self.config.n_audio_ctx
        parts = []
        for window in windows:
            mel = np.zeros((1, frames, self.config.n_mels), np.float32)
            mel[0, :window.shape[1]] = np.asarray(window).T[:frames]
            parts.append(self.encode(self.params, mel)[1])
        if len(parts) == 1:
            return parts[0]
        return KVCache(tuple(jnp.concatenate(layer) for layer in zip(*[p.k for p in parts])),
                       tuple(jnp.concatenate(layer) for layer in zip(*[p.v for p in parts])))

    @functools.cached_property
    def _masks(self):
        tok, n = self.tokenizer, self.config.n_vocab
        suppress = np.zeros(n, bool)
        suppress[: min(len(tok.suppress_mask()), n)] = tok.suppress_mask()[:n]
        if self.checkpoint.suppress_ids is not None:  # the checkpoint's own list replaces the computed symbols
            suppress[:] = False
            suppress[list(self.checkpoint.suppress_ids)] = True
            suppress[tok.special_ids()] = True
        blank = np.zeros(n, bool)
        blank[tok.encode(" ") + [tok.eot]] = True
        return suppress, blank

    @functools.cached_property
    def step(self):
        """``step(params, tokens [rows, T], offsets [rows], cache, cross, gather [rows, 1 or 2], state,
        temperature, key, k=..., timestamps=..., weights=..., rows=None)``: the decoder over ``tokens``
        (after reordering the cache's rows by ``rows``, for beam search);
        returns (log-probabilities at gather[:, 0] ``[rows, vocab]`` unfiltered (for the
        no-speech and language probabilities), the ``k`` best filtered log-probabilities and
        their tokens at gather[:, -1] ``[rows, k]`` (with temperature > 0: ``k`` samples), the
        cache, cross-attention weights or None)."""
        import jax
        import jax.numpy as jnp

        module, tok = self.module, self.tokenizer
        suppress_np, blank_np = self._masks
        n_vocab = self.config.n_vocab
        ts_begin = tok.timestamp_begin
        max_initial = ts_begin + int(round(MAX_INITIAL_TIMESTAMP / TIME_PRECISION))

        def run(params, tokens, offsets, cache, cross, gather, state, temperature, key, k, timestamps, weights,
                rows=None):
            if rows is not None:  # beam search: each row continues the hypothesis of row rows[i]
                cache = cache.take(rows)
            logits, cache, attn = module.apply(params, tokens, offsets, cache, cross, gather, weights=weights,
                                               method=Whisper.decode)
            first = jax.nn.log_softmax(logits[:, 0], axis=-1)
            logits = logits[:, -1]
            idx = jnp.arange(n_vocab)[None, :]
            neg = -jnp.inf
            at_begin = (state.generated == 0)[:, None]
            logits = jnp.where(jnp.asarray(suppress_np)[None], neg, logits)
            logits = jnp.where(at_begin & jnp.asarray(blank_np)[None], neg, logits)
            if timestamps:
                is_ts = idx >= ts_begin
                last, penult = state.last_ts[:, None], state.penult_ts[:, None]
                logits = jnp.where(idx == tok.no_timestamps, neg, logits)
                logits = jnp.where(last & penult & is_ts, neg, logits)
                logits = jnp.where(last & ~penult & (idx < tok.eot), neg, logits)
                has = (state.last_timestamp >= 0)[:, None]
                bound = jnp.where(last & ~penult, state.last_timestamp[:, None], state.last_timestamp[:, None] + 1)
                logits = jnp.where(has & is_ts & (idx < bound), neg, logits)
                logits = jnp.where(at_begin & ~is_ts, neg, logits)
                logits = jnp.where(at_begin & (idx > max_initial), neg, logits)
                logp = jax.nn.log_softmax(logits, axis=-1)
                ts_logp = jax.nn.logsumexp(jnp.where(is_ts, logp, neg), axis=-1)
                text_max = jnp.max(jnp.where(is_ts, neg, logp), axis=-1)
                logits = jnp.where((ts_logp > text_max)[:, None] & (idx < ts_begin), neg, logits)
            logp = jax.nn.log_softmax(logits, axis=-1)
            if k == 0:  # sampling: one token a row at this temperature
                sampled = jax.random.categorical(key, logits / jnp.maximum(temperature, 1e-6), axis=-1)
                best = jnp.take_along_axis(logp, sampled[:, None], axis=-1), sampled[:, None]
            else:
                best = jax.lax.top_k(logp, k)
            return first, best[0], best[1], cache, attn

        return PersistentJit(run, name="step", context=self._context, static_argnames=("k", "timestamps", "weights"),
                             donate_argnums=(3,), tuples=(KVCache, StepState))

    @functools.cached_property
    def read(self):
        """``read(params, tokens [rows, T], cross) -> (log-probabilities [rows, T, vocab], cross-attention
        weights [layers, rows, heads, T, audio])``: the decoder re-reading known text (word timings)."""
        import jax
        import jax.numpy as jnp

        module, empty = self.module, self.empty_cache

        def run(params, tokens, cross):
            rows, length = tokens.shape
            gather = jnp.broadcast_to(jnp.arange(length)[None], (rows, length))
            logits, _, attn = module.apply(params, tokens, jnp.zeros(rows, jnp.int32), empty(rows), cross, gather,
                                           weights=True, method=Whisper.decode)
            return jax.nn.log_softmax(logits, axis=-1), attn

        return PersistentJit(run, name="read", context=self._context, tuples=(KVCache,))

    def empty_cache(self, rows: int, length: int | None = None) -> KVCache:
        from .model import empty_cache

        return empty_cache(self.config, rows, self.dtype, length)


def load_runtime(folder: str, dtype: str = "float32", adapter=None) -> Runtime:
    """The Runtime of a model folder, loaded once per process (for each folder, dtype and
    adapter); ``adapter`` (a :class:`~.clip_adapter.ClipAdapter`) is merged into the decoder."""
    return _load_runtime(str(folder), dtype, adapter)  # one key however it is called: not two models in memory


@functools.lru_cache(maxsize=2)
def _load_runtime(folder: str, dtype: str, adapter) -> Runtime:
    checkpoint = load_checkpoint(folder)
    if adapter is not None:
        from .clip_adapter import load_adapter
        from .lora import merge

        params = merge(checkpoint.params, load_adapter(adapter, checkpoint.params))
        checkpoint = checkpoint._replace(params=params, source=f"{checkpoint.source} + {adapter.file}")
    tokenizer = WhisperTokenizer.from_folder(folder, checkpoint.config.n_vocab)
    return Runtime(checkpoint, tokenizer, folder=Path(folder), dtype=dtype)
