"""The notes GAN: a conditional SpecGAN-style generator of log-mel note images and its critic.

The generator maps a latent, a pitch, an instrument family and a velocity to an image
``[frames, n_mels]`` in [-1, 1] (see :mod:`.notes` for the format). Pitch enters three
ways: an embedding, and a *harmonic comb* -- the mel bins of the pitch's first harmonics,
weighted 1/k -- concatenated to every upsampling stage at that stage's frequency
resolution, so that the generator does not have to learn where a pitch's partials lie.
The critic (WGAN-GP) has a projection term for the labels and auxiliary classifier heads
for pitch and instrument (as GANSynth's auxiliary pitch loss).

Shapes: generator ``[B, latent] -> [B, 64, 128]``; critic ``[B, 64, 128] -> ([B],
pitch logits [B, pitches], family logits [B, families])``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from sonitus.training import ConfigDict

from .notes import FAMILIES, PITCHES, SPEC, SpecFormat

#: the model name notes-GAN checkpoints carry in their header (training checkpoints add "-train")
MODEL_NAME = "sonitus-notes-gan"

__all__ = ["MODEL_NAME", "NotesGANConfig", "harmonic_comb", "build_generator", "build_critic", "Labels"]


@dataclass(frozen=True)
class NotesGANConfig(ConfigDict):
    """Sizes of the notes GAN (stored in the checkpoint header)."""

    LIMITS = {"latent": 4096, "width": 4096, "critic_width": 4096, "families": 1000, "pitch_low": 127,
              "pitch_high": 127}

    latent: int = 64
    width: int = 128
    critic_width: int = 16
    families: int = len(FAMILIES)
    pitch_low: int = PITCHES[0]
    pitch_high: int = PITCHES[-1]

    @property
    def pitches(self) -> int:
        return self.pitch_high - self.pitch_low + 1


class Labels(dict):
    """A batch of conditions: ``pitch`` (MIDI), ``family`` (index), ``velocity`` (1-127); int arrays ``[B]``."""


@functools.lru_cache(maxsize=4)
def _comb_table(spec: SpecFormat, harmonics: int) -> np.ndarray:
    """``[128, n_mels]``: the harmonic comb of every MIDI pitch."""
    from sonitus.dsp.mel import hz_to_mel, mel_frequencies

    centres = hz_to_mel(mel_frequencies(spec.n_mels + 2, 0.0, spec.sample_rate / 2)[1:-1])
    width = centres[1] - centres[0]
    k = np.arange(1, harmonics + 1)
    hz = 440.0 * 2.0 ** ((np.arange(128)[:, None] - 69.0) / 12.0) * k                   # [128, H]
    audible = (hz < spec.sample_rate / 2) / k
    bumps = np.exp(-0.5 * ((centres - hz_to_mel(hz)[:, :, None]) / width) ** 2)          # [128, H, M]
    return np.sum(bumps * audible[:, :, None], axis=1).astype(np.float32)


def harmonic_comb(pitch, spec: SpecFormat = SPEC, harmonics: int = 16):
    """``[B, n_mels]`` map of where the harmonics of MIDI ``pitch`` ``[B]`` fall (weights 1/k)."""
    import jax.numpy as jnp

    table = jnp.asarray(_comb_table(spec, harmonics))
    return jnp.take(table, jnp.clip(jnp.asarray(pitch, jnp.int32), 0, 127), axis=0)


def _conditions(config: NotesGANConfig, labels, nn, jnp):
    pitch = jnp.clip(labels["pitch"] - config.pitch_low, 0, config.pitches - 1)
    p = nn.Embed(config.pitches, 32, name="pitch_embed")(pitch)
    f = nn.Embed(config.families, 16, name="family_embed")(labels["family"])
    v = (labels["velocity"].astype(jnp.float32) / 127.0)[:, None]
    return jnp.concatenate([p, f, v], axis=-1)


def build_generator(config: NotesGANConfig, spec: SpecFormat = SPEC):
    """``module.apply(params, z [B, latent], labels) -> images [B, frames, n_mels]`` in [-1, 1]."""
    import flax.linen as nn
    import jax
    import jax.numpy as jnp

    c = config
    stages = 4  # 4 x 8 -> 64 x 128

    class Generator(nn.Module):
        @nn.compact
        def __call__(self, z, labels):
            B = z.shape[0]
            cond = _conditions(c, labels, nn, jnp)
            comb = harmonic_comb(labels["pitch"], spec)                         # [B, M]
            t0, f0 = spec.frames >> stages, spec.n_mels >> stages
            h = nn.Dense(t0 * f0 * c.width)(jnp.concatenate([z, cond], axis=-1)).reshape(B, t0, f0, c.width)
            h = nn.leaky_relu(nn.LayerNorm()(h), 0.2)
            width = c.width
            for s in range(stages):
                h = jax.image.resize(h, (B, h.shape[1] * 2, h.shape[2] * 2, width), "nearest")
                T, F = h.shape[1], h.shape[2]
                comb_s = comb.reshape(B, F, -1).mean(axis=-1)                   # this stage's resolution
                side = [jnp.broadcast_to(comb_s[:, None, :, None], (B, T, F, 1))]
                if s < 2:  # the labels at coarse resolutions only, where they are cheap
                    side.append(jnp.broadcast_to(cond[:, None, None, :], (B, T, F, cond.shape[-1])))
                side = jnp.concatenate(side, axis=-1)
                width = max(c.width >> (s + 1), 16)
                h = nn.Conv(width, (3, 3), padding="SAME")(jnp.concatenate([h, side], axis=-1))
                h = nn.leaky_relu(nn.LayerNorm()(h), 0.2)
                if s < stages - 1:  # one convolution at full size, where they cost most
                    h = nn.Conv(width, (3, 3), padding="SAME")(h)
                    h = nn.leaky_relu(nn.LayerNorm()(h), 0.2)
            return jnp.tanh(nn.Conv(1, (3, 3), padding="SAME")(h)[..., 0])

    return Generator()


def build_critic(config: NotesGANConfig, spec: SpecFormat = SPEC):
    """``module.apply(params, images, labels) -> (score [B], pitch logits, family logits)``."""
    import flax.linen as nn
    import jax.numpy as jnp

    c = config

    class Critic(nn.Module):
        @nn.compact
        def __call__(self, images, labels):
            B = images.shape[0]
            comb = harmonic_comb(labels["pitch"], spec)
            h = jnp.stack([images, jnp.broadcast_to(comb[:, None, :], images.shape)], axis=-1)
            width = c.critic_width
            for _ in range(4):  # 64 x 128 -> 4 x 8
                h = nn.leaky_relu(nn.Conv(width, (4, 4), strides=(2, 2), padding="SAME")(h), 0.2)
                width *= 2
            h = nn.leaky_relu(nn.Dense(256)(h.reshape(B, -1)), 0.2)
            cond = _conditions(c, labels, nn, jnp)
            score = nn.Dense(1)(h)[:, 0] + jnp.sum(nn.Dense(256, name="projection")(cond) * h, axis=-1)
            return score, nn.Dense(c.pitches, name="pitch_head")(h), nn.Dense(c.families, name="family_head")(h)

    return Critic()
