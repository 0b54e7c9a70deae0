"""The chorale harmoniser: a masked model of four-voice rolls (Coconet's idea, a transformer's shape).

A chorale segment is a grid of cells ``[voices, steps]`` on the eighth-note grid, each holding a
class (0 rest, ``1 + pitch - LOWEST`` a pitch) or :data:`MASKED`. The network reads every cell
at once and gives, for each cell, a distribution over the classes: trained to fill in the
masked cells of real chorales whatever the mask (orderless, as Huang et al.'s Coconet), it
harmonises a melody by Gibbs sampling with the soprano given, and writes a chorale from nothing
with every cell masked.

Shapes: ``module.apply(params, cells)`` with ``cells`` int32 ``[batch, voices, steps]`` gives
logits ``[batch, voices, steps, CLASSES]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sonitus.errors import ParameterError
from sonitus.training import ConfigDict

from .rolls import CLASSES, LOWEST, PITCHES, REST

#: the model name harmoniser checkpoints carry in their header (training checkpoints add "-train")
MODEL_NAME = "sonitus-chorale-harmoniser"
#: the class of a cell whose content the model is asked for
MASKED = CLASSES

__all__ = ["MODEL_NAME", "MASKED", "HarmoniserConfig", "build_harmoniser", "to_cells", "from_cells"]


@dataclass(frozen=True)
class HarmoniserConfig(ConfigDict):
    """Sizes of the harmoniser (stored in the checkpoint header)."""

    LIMITS = {"voices": 16, "steps": 1024, "width": 4096, "layers": 64, "heads": 64, "dropout": 0.9}

    voices: int = 4
    #: eighth-note steps one window covers (32: four bars of 4/4)
    steps: int = 32
    width: int = 192
    layers: int = 6
    heads: int = 4
    dropout: float = 0.1

    def __post_init__(self):
        if self.width % self.heads:
            raise ParameterError(f"harmoniser: width {self.width} must be a multiple of heads {self.heads}.")


def to_cells(rolls):
    """Voice rolls (MIDI pitch or ``REST``, any integer dtype) -> class cells ``int32`` (same shape)."""
    import numpy as np

    rolls = np.asarray(rolls)
    return np.where(rolls == REST, 0, np.clip(rolls.astype(np.int32) - LOWEST + 1, 1, PITCHES)).astype(np.int32)


def from_cells(cells):
    """Class cells -> voice rolls ``int8`` (class 0 -> ``REST``)."""
    import numpy as np

    cells = np.asarray(cells)
    return np.where(cells == 0, REST, cells + LOWEST - 1).astype(np.int8)


def build_harmoniser(config: HarmoniserConfig):
    """``module.apply(params, cells, train=False, rngs=...)`` -> logits ``[B, voices, steps, CLASSES]``."""
    import flax.linen as nn
    import jax.numpy as jnp

    c = config

    class Block(nn.Module):
        @nn.compact
        def __call__(self, x, train: bool):
            h = nn.LayerNorm()(x)
            h = nn.MultiHeadDotProductAttention(num_heads=c.heads, dropout_rate=c.dropout,
                                                deterministic=not train)(h, h)
            x = x + nn.Dropout(c.dropout, deterministic=not train)(h)
            h = nn.Dense(2 * c.width)(nn.LayerNorm()(x))
            h = nn.Dense(c.width)(nn.gelu(h))
            return x + nn.Dropout(c.dropout, deterministic=not train)(h)

    class Harmoniser(nn.Module):
        @nn.compact
        def __call__(self, cells, train: bool = False):
            B, V, T = cells.shape
            # one table of (voice, class) rows; a step's input is the sum over its voices
            offsets = (jnp.arange(V) * (CLASSES + 1))[None, :, None]
            x = nn.Embed(V * (CLASSES + 1), c.width, name="cells")(cells + offsets).sum(axis=1)     # [B, T, W]
            x = x + self.param("position", nn.initializers.normal(0.02), (c.steps, c.width))[:T]
            for i in range(c.layers):
                x = Block(name=f"block{i}")(x, train)
            logits = nn.Dense(V * CLASSES, name="out")(nn.LayerNorm()(x))                          # [B, T, V*C]
            return logits.reshape(B, T, V, CLASSES).transpose(0, 2, 1, 3)

    return Harmoniser()
