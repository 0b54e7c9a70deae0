"""The acoustic model: log-mel front end, conv subsampling, Conformer encoder, CTC head.

``ModelConfig`` holds every size; it is stored in the checkpoint header so a checkpoint
rebuilds its own model. Inputs are 16 kHz waveforms ``[batch, samples]`` with their
lengths; outputs are log-probabilities ``[batch, frames, vocab]`` at
``sample_rate / (hop_length * 4)`` frames per second (25 Hz by default) and the number of
valid output frames of each item. Index 0 of the vocabulary is the CTC blank.
"""

from __future__ import annotations

from dataclasses import dataclass

from sonitus.text import ALPHABET
from sonitus.training import ConfigDict

__all__ = ["MODEL_NAME", "ModelConfig", "VOCAB", "encode_text", "decode_ids", "build_model", "features", "output_lengths"]

#: the model name checkpoints carry in their header (training checkpoints add "-train")
MODEL_NAME = "sonitus-asr-ctc"

#: CTC vocabulary: blank, then space, a-z, apostrophe
VOCAB = ("<blank>",) + tuple(ALPHABET)
_INDEX = {c: i for i, c in enumerate(VOCAB)}


def encode_text(text: str) -> list[int]:
    """Character ids of a normalised transcript (unknown characters are dropped)."""
    return [_INDEX[c] for c in text if c in _INDEX and c != "<blank>"]


def decode_ids(ids) -> str:
    """The text of a sequence of (already collapsed) label ids, blanks skipped."""
    return "".join(VOCAB[i] for i in ids if i > 0)


@dataclass(frozen=True)
class ModelConfig(ConfigDict):
    """Sizes of the recogniser. ``subsample`` is fixed at 4 (two stride-2 convolutions)."""

    LIMITS = {"sample_rate": 192_000, "n_fft": 16_384, "hop_length": 16_384, "n_mels": 512, "conv_channels": 1024,
              "d_model": 2048, "heads": 64, "ff_mult": 16, "conv_kernel": 255, "layers": 64, "dropout": 0.9,
              "vocab": 100_000}

    sample_rate: int = 16000
    n_fft: int = 400
    hop_length: int = 160
    n_mels: int = 80
    conv_channels: int = 64
    d_model: int = 144
    heads: int = 4
    ff_mult: int = 4
    conv_kernel: int = 15
    layers: int = 6
    dropout: float = 0.1
    vocab: int = len(VOCAB)


    @property
    def frame_rate(self) -> float:
        """Output frames per second."""
        return self.sample_rate / (self.hop_length * 4)


def output_lengths(config: ModelConfig, sample_lengths):
    """Valid output frames for waveforms of ``sample_lengths`` samples (NumPy or JAX)."""
    frames = 1 + sample_lengths // config.hop_length
    frames = (frames - 1) // 2 + 1
    return (frames - 1) // 2 + 1


def features(config: ModelConfig, x, lengths):
    """Normalised log-mel features ``[batch, frames, n_mels]`` from waveforms ``[batch, samples]``.

    Uses the DSP plugin's jitted log-mel kernel and per-utterance CMVN over valid frames.
    """
    import jax.numpy as jnp
    from sonitus.dsp.features import cmvn, logmel

    S = logmel(x, sample_rate=config.sample_rate, lengths=lengths, n_fft=config.n_fft,
               hop_length=config.hop_length, n_mels=config.n_mels, fmax=config.sample_rate / 2, top_db=80.0)
    frames = 1 + lengths // config.hop_length
    S = cmvn(S, frame_lengths=frames)
    return jnp.swapaxes(S, -1, -2), frames


def build_model(config: ModelConfig):
    """The Flax module for ``config`` (``module.apply(params, feats, frame_lengths, train=...)``)."""
    import flax.linen as nn
    import jax.numpy as jnp

    from .layers import DepthwiseConv1D

    class FeedForward(nn.Module):
        @nn.compact
        def __call__(self, x, train):
            y = nn.LayerNorm()(x)
            y = nn.Dense(config.d_model * config.ff_mult)(y)
            y = nn.swish(y)
            y = nn.Dropout(config.dropout, deterministic=not train)(y)
            y = nn.Dense(config.d_model)(y)
            return nn.Dropout(config.dropout, deterministic=not train)(y)

    class ConvModule(nn.Module):
        @nn.compact
        def __call__(self, x, mask, train):
            y = nn.LayerNorm()(x)
            y = nn.Dense(2 * config.d_model)(y)
            y = nn.glu(y, axis=-1)
            y = y * mask[..., None]
            y = DepthwiseConv1D(config.conv_kernel)(y)
            y = nn.LayerNorm()(y)
            y = nn.swish(y)
            y = nn.Dense(config.d_model)(y)
            return nn.Dropout(config.dropout, deterministic=not train)(y)

    class ConformerBlock(nn.Module):
        @nn.compact
        def __call__(self, x, mask, train):
            x = x + 0.5 * FeedForward()(x, train)
            y = nn.LayerNorm()(x)
            attn_mask = nn.make_attention_mask(mask, mask)
            y = nn.MultiHeadDotProductAttention(num_heads=config.heads, dropout_rate=config.dropout,
                                                deterministic=not train)(y, y, mask=attn_mask)
            x = x + nn.Dropout(config.dropout, deterministic=not train)(y)
            x = x + ConvModule()(x, mask, train)
            x = x + 0.5 * FeedForward()(x, train)
            return nn.LayerNorm()(x)

    class CTCModel(nn.Module):
        @nn.compact
        def __call__(self, feats, frame_lengths, train: bool = False):
            x = feats[..., None]  # [B, T, F, 1]
            x = nn.relu(nn.Conv(config.conv_channels, (3, 3), strides=(2, 2), padding=((1, 1), (1, 1)))(x))
            x = nn.relu(nn.Conv(config.conv_channels, (3, 3), strides=(2, 2), padding=((1, 1), (1, 1)))(x))
            B, T, F, C = x.shape
            x = nn.Dense(config.d_model)(x.reshape(B, T, F * C))
            lengths = ((frame_lengths - 1) // 2) // 2 + 1
            mask = jnp.arange(T)[None, :] < lengths[:, None]
            pos = jnp.arange(T)[:, None] / (10000 ** (jnp.arange(0, config.d_model, 2)[None, :] / config.d_model))
            pe = jnp.concatenate([jnp.sin(pos), jnp.cos(pos)], axis=-1)[None]
            x = x * jnp.sqrt(config.d_model) / 4 + pe
            x = nn.Dropout(config.dropout, deterministic=not train)(x)
            for _ in range(config.layers):
                x = ConformerBlock()(x, mask, train)
            logits = nn.Dense(config.vocab)(x)
            return nn.log_softmax(logits, axis=-1), lengths

    return CTCModel()
