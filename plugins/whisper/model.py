"""The Whisper architecture in Flax (Radford et al. 2022, "Robust Speech Recognition via
Large-Scale Weak Supervision"): a convolutional + pre-LN transformer encoder over 30 s of
log-mel, and a decoder with self and cross attention, for every published size.

Decoding keeps fixed shapes so that it compiles once: the self-attention keys and values
live in a cache (per layer ``[batch, heads, length, head_dim]``) written at each row's own
position, and a query sees the cached keys at or before its position.

>>> config = WhisperConfig(n_mels=80, n_vocab=51864, n_audio_ctx=1500, n_audio_state=384,
...                        n_audio_head=6, n_audio_layer=4, n_text_ctx=448, n_text_state=384,
...                        n_text_head=6, n_text_layer=4)                   # tiny.en
>>> model = Whisper(config)
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp

__all__ = ["WhisperConfig", "Whisper", "KVCache", "empty_cache"]


@dataclasses.dataclass(frozen=True)
class WhisperConfig:
    """Sizes of a Whisper model (the names of openai-whisper's ``ModelDimensions``)."""

    n_mels: int
    n_vocab: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int

    @property
    def multilingual(self) -> bool:
        """Multilingual checkpoints have 51865 tokens or more (the .en ones 51864)."""
        return self.n_vocab >= 51865

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


class KVCache(NamedTuple):
    """Keys and values, one array ``[batch, heads, length, head_dim]`` per layer.

    Per-layer arrays, not one stacked array: slicing a layer out of a stack makes XLA copy it,
    and those copies cost more than the attention itself at every decoder step."""

    k: tuple[jax.Array, ...]
    v: tuple[jax.Array, ...]

    def take(self, rows) -> KVCache:
        """The cache of the given batch ``rows`` (an index array or a slice)."""
        return KVCache(tuple(a[rows] for a in self.k), tuple(a[rows] for a in self.v))

    def grow(self, length: int) -> KVCache:
        """The cache padded with zeros to ``length`` positions."""
        def pad(a):
            return jnp.pad(a, [(0, 0), (0, 0), (0, length - a.shape[2]), (0, 0)])

        return KVCache(tuple(pad(a) for a in self.k), tuple(pad(a) for a in self.v))

    @property
    def length(self) -> int:
        return int(self.k[0].shape[2])


def empty_cache(config: WhisperConfig, batch: int, dtype=jnp.float32, length: int | None = None) -> KVCache:
    """A zeroed self-attention cache for ``batch`` rows and ``length`` positions (default: all)."""
    head_dim = config.n_text_state // config.n_text_head
    shape = (batch, config.n_text_head, length or config.n_text_ctx, head_dim)
    layers = range(config.n_text_layer)
    return KVCache(tuple(jnp.zeros(shape, dtype) for _ in layers), tuple(jnp.zeros(shape, dtype) for _ in layers))


def _heads(x: jax.Array, n_head: int) -> jax.Array:
    """``[batch, time, width]`` -> ``[batch, heads, time, head_dim]``."""
    b, t, w = x.shape
    return x.reshape(b, t, n_head, w // n_head).transpose(0, 2, 1, 3)


def _merge(x: jax.Array) -> jax.Array:
    b, h, t, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, t, h * d)


def _attend(q, k, v, mask=None):
    """Scaled dot-product attention on head-major arrays; returns (output, weights)."""
    scale = q.shape[-1] ** -0.5
    logits = jnp.einsum("bhqd,bhkd->bhqk", q * scale, k)
    if mask is not None:
        logits = jnp.where(mask, logits, jnp.finfo(logits.dtype).min)
    weights = jax.nn.softmax(logits.astype(jnp.float32), axis=-1).astype(q.dtype)
    return jnp.einsum("bhqk,bhkd->bhqd", weights, v), weights


def _query_block(length: int, most: int = 256) -> int:
    """The largest divisor of ``length`` that is at most ``most`` (1500 -> 250)."""
    return next(b for b in range(min(length, most), 0, -1) if length % b == 0)


def _attend_blocked(q, k, v):
    """:func:`_attend`'s output (no weights) computed a block of queries at a time, so that a
    block's scores stay in the CPU's cache: the encoder's 1500 x 1500 maps cost twice as much
    built whole (base, one window: 121 ms a layer whole, 60 ms in blocks of 250). Each block is
    normalised after its product with ``v`` (250 x 64 divisions, not 250 x 1500), 10-20 % faster
    than :func:`_attend` in the same blocks. An accelerator builds the maps whole, in parallel."""
    b, h, t, d = q.shape
    block = _query_block(t)
    if jax.default_backend() != "cpu" or block < 32:  # (a length with no good divisor: whole)
        return _attend(q, k, v)[0]
    blocks = (q * d ** -0.5).reshape(b, h, t // block, block, d).transpose(2, 0, 1, 3, 4)

    def one(qb):
        logits = jnp.einsum("bhqd,bhkd->bhqk", qb, k).astype(jnp.float32)
        e = jnp.exp(logits - logits.max(axis=-1, keepdims=True))
        out = jnp.einsum("bhqk,bhkd->bhqd", e.astype(v.dtype), v).astype(jnp.float32)
        return (out / e.sum(axis=-1, keepdims=True)).astype(q.dtype)

    return jax.lax.map(one, blocks).transpose(1, 2, 0, 3, 4).reshape(b, h, t, d)


def _attend_grouped(q, k, v):
    """Cross-attention where ``q`` has ``width`` rows per audio of ``k``/``v`` (the hypotheses of
    a beam, or samples): the rows of one audio attend together, so the audio's keys and values
    are read once, not once a row."""
    n_audio = k.shape[0]
    rows, heads, t, d = q.shape
    width = rows // n_audio
    if width == 1:
        return _attend(q, k, v)
    grouped = q.reshape(n_audio, width, heads, t, d).transpose(0, 2, 1, 3, 4).reshape(n_audio, heads, width * t, d)
    out, weights = _attend(grouped, k, v)

    def ungroup(a):
        return a.reshape(n_audio, heads, width, t, a.shape[-1]).transpose(0, 2, 1, 3, 4).reshape(rows, heads, t, -1)

    return ungroup(out), ungroup(weights)


class Projections(nn.Module):
    """The four projections of one attention block (Whisper's key has no bias; here it has
    one, zero where the checkpoint has none, so every format maps onto one tree)."""

    width: int

    def setup(self):
        self.query = nn.Dense(self.width)
        self.key = nn.Dense(self.width)
        self.value = nn.Dense(self.width)
        self.out = nn.Dense(self.width)


class MLP(nn.Module):
    width: int

    @nn.compact
    def __call__(self, x):
        x = nn.Dense(4 * self.width, name="fc1")(x)
        return nn.Dense(self.width, name="fc2")(nn.gelu(x, approximate=False))


class EncoderBlock(nn.Module):
    width: int
    n_head: int

    @nn.compact
    def __call__(self, x):
        attn = Projections(self.width, name="attn")
        h = nn.LayerNorm(epsilon=1e-5, name="attn_ln")(x)
        q, k, v = (_heads(p(h), self.n_head) for p in (attn.query, attn.key, attn.value))
        x = x + attn.out(_merge(_attend_blocked(q, k, v)))
        return x + MLP(self.width, name="mlp")(nn.LayerNorm(epsilon=1e-5, name="mlp_ln")(x))


class DecoderBlock(nn.Module):
    width: int
    n_head: int

    def setup(self):
        self.attn = Projections(self.width)
        self.attn_ln = nn.LayerNorm(epsilon=1e-5)
        self.cross_attn = Projections(self.width)
        self.cross_attn_ln = nn.LayerNorm(epsilon=1e-5)
        self.mlp = MLP(self.width)
        self.mlp_ln = nn.LayerNorm(epsilon=1e-5)

    def cross_kv(self, audio):
        """Keys and values of the audio features for this block, ``[batch, heads, audio, head_dim]``."""
        return _heads(self.cross_attn.key(audio), self.n_head), _heads(self.cross_attn.value(audio), self.n_head)

    def __call__(self, x, positions, cache_k, cache_v, cross_k, cross_v):
        """``x`` ``[batch, T, width]`` at ``positions`` ``[batch, T]``; ``cache_k/v`` ``[batch,
        heads, length, head_dim]`` (any length up to n_text_ctx); ``cross_k/v`` ``[audios, heads,
        audio, head_dim]`` where ``batch`` is a whole multiple of ``audios``, the rows of one
        audio next to each other. Returns (x, cache_k, cache_v, cross-attention weights)."""
        h = self.attn_ln(x)
        q, k, v = (_heads(p(h), self.n_head) for p in (self.attn.query, self.attn.key, self.attn.value))
        write = jax.vmap(lambda c, u, p: jax.lax.dynamic_update_slice(c, u, (0, p, 0)))
        cache_k = write(cache_k, k.astype(cache_k.dtype), positions[:, 0])
        cache_v = write(cache_v, v.astype(cache_v.dtype), positions[:, 0])
        key_positions = jnp.arange(cache_k.shape[2])
        mask = key_positions[None, None, None, :] <= positions[:, None, :, None]
        x = x + self.attn.out(_merge(_attend(q, cache_k, cache_v, mask)[0]))
        q = _heads(self.cross_attn.query(self.cross_attn_ln(x)), self.n_head)
        out, weights = _attend_grouped(q, cross_k, cross_v)
        x = x + self.cross_attn.out(_merge(out))
        return x + self.mlp(self.mlp_ln(x)), cache_k, cache_v, weights


class Whisper(nn.Module):
    """Encoder and decoder. Methods: ``encode``, ``cross_kv``, ``decode`` (call them through
    ``model.apply(params, ..., method=...)``)."""

    config: WhisperConfig

    def setup(self):
        c = self.config
        self.conv1 = nn.Conv(c.n_audio_state, (3,), padding=1)
        self.conv2 = nn.Conv(c.n_audio_state, (3,), strides=(2,), padding=1)
        self.audio_positions = self.param("audio_positions", nn.initializers.normal(0.02),
                                          (c.n_audio_ctx, c.n_audio_state))
        self.encoder_blocks = [EncoderBlock(c.n_audio_state, c.n_audio_head) for _ in range(c.n_audio_layer)]
        self.encoder_ln = nn.LayerNorm(epsilon=1e-5)
        self.token_embedding = nn.Embed(c.n_vocab, c.n_text_state)
        self.text_positions = self.param("text_positions", nn.initializers.normal(0.02),
                                         (c.n_text_ctx, c.n_text_state))
        self.decoder_blocks = [DecoderBlock(c.n_text_state, c.n_text_head) for _ in range(c.n_text_layer)]
        self.decoder_ln = nn.LayerNorm(epsilon=1e-5)

    def encode(self, mel):
        """Audio features ``[batch, n_audio_ctx, width]`` of log-mel ``[batch, 2 * n_audio_ctx, n_mels]``."""
        x = nn.gelu(self.conv1(mel), approximate=False)
        x = nn.gelu(self.conv2(x), approximate=False)
        x = x + self.audio_positions[: x.shape[1]].astype(x.dtype)
        for block in self.encoder_blocks:
            x = block(x)
        return self.encoder_ln(x)

    def cross_kv(self, audio) -> KVCache:
        """Every decoder block's cross-attention keys and values of ``audio`` (computed once a window)."""
        pairs = [block.cross_kv(audio) for block in self.decoder_blocks]
        return KVCache(tuple(k for k, _ in pairs), tuple(v for _, v in pairs))

    def decode(self, tokens, offsets, cache: KVCache, cross: KVCache, gather, *, weights: bool = False):
        """Run ``tokens`` ``[batch, T]`` placed at positions ``offsets[:, None] + arange(T)``.

        ``cache`` may be shorter than the context (decoding grows it as positions need); ``cross``
        holds one row per audio (``batch`` rows are ``batch // audios`` hypotheses of each).
        Returns (logits ``[batch, K, n_vocab]`` at the token indices ``gather`` ``[batch, K]``,
        the updated cache, and with ``weights`` the cross-attention weights of every layer
        ``[layers, batch, heads, T, n_audio_ctx]``, else ``None``).
        """
        positions = offsets[:, None] + jnp.arange(tokens.shape[1])[None, :]
        x = self.token_embedding(tokens)
        x = x + jnp.take(self.text_positions, jnp.minimum(positions, self.config.n_text_ctx - 1), axis=0).astype(x.dtype)
        ks, vs, ws = [], [], []
        for i, block in enumerate(self.decoder_blocks):
            x, k, v, w = block(x, positions, cache.k[i], cache.v[i], cross.k[i], cross.v[i])
            ks.append(k)
            vs.append(v)
            if weights:
                ws.append(w)
        x = jnp.take_along_axis(x, gather[:, :, None], axis=1)
        logits = self.token_embedding.attend(self.decoder_ln(x)).astype(jnp.float32)
        return logits, KVCache(tuple(ks), tuple(vs)), (jnp.stack(ws) if weights else None)

    def decode_text(self, audio, tokens):
        """Teacher-forced logits ``[batch, T, n_vocab]`` of ``tokens`` ``[batch, T]`` given audio
        features ``[batch, n_audio_ctx, width]`` (fine-tuning the decoder over a frozen encoder)."""
        cross = self.cross_kv(audio)
        batch, length = tokens.shape
        gather = jnp.broadcast_to(jnp.arange(length)[None], (batch, length))
        cache = empty_cache(self.config, batch, audio.dtype, length)
        return self.decode(tokens, jnp.zeros(batch, jnp.int32), cache, cross, gather)[0]

    def __call__(self, mel, tokens):
        """Teacher-forced logits ``[batch, T, n_vocab]`` of ``tokens`` ``[batch, T]`` given log-mel
        ``[batch, frames, n_mels]`` (training, and building every parameter at ``init``)."""
        cross = self.cross_kv(self.encode(mel))
        batch, length = tokens.shape
        gather = jnp.broadcast_to(jnp.arange(length)[None], (batch, length))
        cache = empty_cache(self.config, batch)
        return self.decode(tokens, jnp.zeros(batch, jnp.int32), cache, cross, gather)[0]

