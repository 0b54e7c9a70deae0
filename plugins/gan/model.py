"""The chorale GAN: a bar-structured generator of four voices and a convolutional critic (Flax).

In the spirit of MuseGAN's hybrid model: a *shared* latent (the piece), a *per-voice* latent
(each voice's character) and two *temporal* latents turned into one code per bar (one
shared, one per voice) feed a bar generator that writes all four voices of a bar at once,
so that the voices can agree on harmony. Each (step, voice) is a softmax over
``CLASSES`` (rest + 56 pitches): a voice is monophonic by construction.

Shapes: the generator maps latents to ``[batch, bars * 16, CLASSES, 4]`` probabilities; the
critic maps such a tensor (or one-hot real rolls) to ``[batch]`` scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from sonitus.errors import ParameterError
from sonitus.training import ConfigDict

from .rolls import CLASSES, STEPS_PER_BAR

#: the model name chorale-GAN checkpoints carry in their header (training checkpoints add "-train")
MODEL_NAME = "sonitus-chorale-gan"

__all__ = ["MODEL_NAME", "GANConfig", "build_generator", "build_critic", "sample_latents"]


@dataclass(frozen=True)
class GANConfig(ConfigDict):
    """Sizes of the chorale GAN (stored in the checkpoint header)."""

    LIMITS = {"bars": 64, "voices": 16, "z_shared": 4096, "z_voice": 4096, "z_temporal": 4096, "width": 4096,
              "critic_width": 4096}

    bars: int = 4
    voices: int = 4
    z_shared: int = 32
    z_voice: int = 16
    z_temporal: int = 16
    width: int = 192
    critic_width: int = 128
    #: steps a bar the generator decides: 16 (sixteenths) or 8 (eighths, each held over two
    #: sixteenths, as in the classic JSB Chorales set); the output is on the 16th grid either way
    grid: int = 16

    def __post_init__(self):
        if self.grid not in (8, 16):
            raise ParameterError(f"chorale GAN: grid must be 8 or 16 steps a bar, not {self.grid}.")


def sample_latents(key, batch: int, config: GANConfig) -> dict:
    """Independent standard-normal latents for ``batch`` pieces (float32, so that a seed gives the
    same piece whether or not the program turned on ``jax_enable_x64``)."""
    import jax

    k = jax.random.split(key, 4)
    c = config
    return {"shared": jax.random.normal(k[0], (batch, c.z_shared), "float32"),
            "voice": jax.random.normal(k[1], (batch, c.voices, c.z_voice), "float32"),
            "temporal": jax.random.normal(k[2], (batch, c.z_temporal), "float32"),
            "voice_temporal": jax.random.normal(k[3], (batch, c.voices, c.z_temporal), "float32")}


def build_generator(config: GANConfig):
    """``module.apply(params, latents, temperature=1.0)`` -> probabilities ``[B, bars*16, CLASSES, voices]``."""
    import flax.linen as nn
    import jax.numpy as jnp

    c = config

    class TemporalCodes(nn.Module):
        """One code per bar from one latent (a small MLP, as MuseGAN's temporal generator)."""

        @nn.compact
        def __call__(self, z):
            h = nn.leaky_relu(nn.Dense(128)(z), 0.2)
            return nn.Dense(c.bars * c.z_temporal)(h).reshape(z.shape[:-1] + (c.bars, c.z_temporal))

    class Generator(nn.Module):
        @nn.compact
        def __call__(self, latents, temperature: float = 1.0):
            B = latents["shared"].shape[0]
            bars_shared = TemporalCodes(name="temporal")(latents["temporal"])            # [B, bars, zt]
            bars_voice = TemporalCodes(name="voice_temporal")(latents["voice_temporal"])  # [B, V, bars, zt]
            position = jnp.broadcast_to(jnp.eye(c.bars), (B, c.bars, c.bars))
            per_bar = jnp.concatenate([
                jnp.broadcast_to(latents["shared"][:, None], (B, c.bars, c.z_shared)),
                jnp.broadcast_to(latents["voice"].reshape(B, 1, -1), (B, c.bars, c.voices * c.z_voice)),
                bars_shared,
                jnp.swapaxes(bars_voice, 1, 2).reshape(B, c.bars, -1),
                position], axis=-1)                                                          # [B, bars, D]
            h = nn.leaky_relu(nn.Dense(c.width * 2)(per_bar), 0.2)
            h = nn.Dense(STEPS_PER_BAR // 4 * c.width)(h).reshape(B * c.bars, STEPS_PER_BAR // 4, c.width)
            h = nn.leaky_relu(nn.LayerNorm()(h), 0.2)
            for _ in range({8: 1, 16: 2}[c.grid]):  # 4 -> 8 (-> 16) steps a bar
                h = jnp.repeat(h, 2, axis=1)
                h = nn.Conv(c.width, (3,), padding="SAME")(h)
                h = nn.leaky_relu(nn.LayerNorm()(h), 0.2)
            h = h.reshape(B, c.bars * c.grid, c.width)
            h = h + nn.Conv(c.width, (5,), padding="SAME")(h)  # across bar lines
            h = nn.leaky_relu(nn.LayerNorm()(h), 0.2)
            logits = nn.Dense(CLASSES * c.voices)(h).reshape(B, c.bars * c.grid, c.voices, CLASSES)
            probs = jnp.repeat(nn.softmax(logits / temperature, axis=-1), STEPS_PER_BAR // c.grid, axis=1)
            return jnp.swapaxes(probs, -1, -2)                                               # [B, T, C, V]

    return Generator()


def build_critic(config: GANConfig):
    """``module.apply(params, rolls)`` -> ``[B]`` scores for ``[B, T, CLASSES, voices]`` inputs."""
    import flax.linen as nn

    c = config

    class Critic(nn.Module):
        @nn.compact
        def __call__(self, x):
            B, T = x.shape[:2]
            h = x.reshape(B, T, CLASSES * c.voices)
            h = nn.leaky_relu(nn.Dense(c.critic_width)(h), 0.2)  # each step's chord, all voices
            for width in (c.critic_width, 2 * c.critic_width, 2 * c.critic_width):
                h = nn.leaky_relu(nn.Conv(width, (4,), strides=(2,), padding="SAME")(h), 0.2)
            h = h.reshape(B, -1)
            h = nn.leaky_relu(nn.Dense(256)(h), 0.2)
            return nn.Dense(1)(h)[:, 0]

    return Critic()
