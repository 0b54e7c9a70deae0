"""The ``chorale-gan`` generator stage: a new four-part chorale as a :class:`sonitus.Score`.

>>> from sonitus.dsl import music as m                              # doctest: +SKIP
>>> score = m.generate("chorale-gan", bars=8, seed=3, key="G")()
>>> song = m.from_score(score).transpose(-12)                         # the music DSL takes over
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from sonitus import Score
from sonitus.errors import ParameterError
from sonitus.stages import StageBase

__all__ = ["ChoraleGANGenerator", "default_model_path", "key_shift", "load_generator"]

_TONICS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def default_model_path() -> Path:
    """The generator shipped in the package (``plugins/gan/weights/chorale-gan.ckpt``)."""
    return Path(__file__).with_name("weights") / "chorale-gan.ckpt"


def key_shift(key: str) -> int:
    """Semitones from the model's home keys (C major, A minor) to ``key``: 'G' -> -5, 'F#m' -> -3.

    A trailing 'm' names a minor key; the nearest transposition (-6..+5) is chosen.
    """
    text = key.strip()
    minor = text.endswith("m") and len(text) > 1
    name = text[:-1] if minor else text
    if not name or name[0].upper() not in _TONICS or any(c not in "#b" for c in name[1:]):
        raise ParameterError(f"key must be a note name such as 'C', 'F#', 'Bb' or 'Dm', not {key!r}.")
    tonic = _TONICS[name[0].upper()] + name.count("#") - name.count("b")
    home = 9 if minor else 0
    return (tonic - home + 6) % 12 - 6


@functools.lru_cache(maxsize=2)
def load_generator(path: str | None = None):
    """``(config, generate, header)`` of a chorale-GAN checkpoint; ``generate(seed, segments)``
    returns probabilities ``[segments, bars*16, CLASSES, 4]`` (jitted)."""
    import jax

    from .model import MODEL_NAME, GANConfig, build_generator, sample_latents
    from .rounds import load_generator_params

    config, params, header = load_generator_params(path, shipped=default_model_path(), what="Chorale GAN",
                                                   model_name=MODEL_NAME, config_cls=GANConfig,
                                                   train_command="sonitus train gan chorales")
    module = build_generator(config)

    @functools.partial(jax.jit, static_argnums=1)
    def generate(key, segments):
        latents = sample_latents(key, 1, config)
        # one piece: shared and voice latents stay, each segment of bars gets new temporal ones
        fresh = sample_latents(jax.random.fold_in(key, 1), segments, config)
        latents = {"shared": jax.numpy.repeat(latents["shared"], segments, 0),
                   "voice": jax.numpy.repeat(latents["voice"], segments, 0),
                   "temporal": fresh["temporal"], "voice_temporal": fresh["voice_temporal"]}
        return module.apply(params, latents)

    return config, generate, header


class ChoraleGANGenerator(StageBase):
    """Nothing -> Score: a new SATB chorale from the chorale GAN.

    Args:
        model: checkpoint (default: the shipped one).
        bars: length in 4/4 bars.
        seed: the piece (same seed, same chorale).
        key: the key to write it in ('C', 'G', 'Bb', 'Dm', ...; minor pieces follow the tonic).
        tempo: beats per minute.
        temperature: 0 takes each step's most likely pitch; > 0 samples (more surprising).
        program: General MIDI program of the four voices (52: Choir Aahs; 19: Church Organ).
    """

    name = "chorale-gan"
    consumes = None
    produces = Score

    def __init__(self, model: str | None = None, *, bars: int = 8, seed: int = 0, key: str = "C",
                 tempo: float = 80.0, temperature: float = 0.0, program: int = 52):
        if int(bars) < 1 or int(bars) > 256:
            raise ParameterError(f"chorale-gan: bars must be between 1 and 256, not {bars}.")
        if not 20 <= float(tempo) <= 300:
            raise ParameterError(f"chorale-gan: tempo must be between 20 and 300 bpm, not {tempo}.")
        if float(temperature) < 0:
            raise ParameterError(f"chorale-gan: temperature must be >= 0, not {temperature}.")
        if not 0 <= int(program) <= 127:
            raise ParameterError(f"chorale-gan: program must be a General MIDI program 0-127, not {program}.")
        self.model, self.bars, self.seed, self.tempo = model, int(bars), int(seed), float(tempo)
        self.temperature, self.program = float(temperature), int(program)
        self.shift = key_shift(key)
        self.key = key

    @property
    def options(self) -> dict:
        return {"model": self.model, "bars": self.bars, "seed": self.seed, "key": self.key, "tempo": self.tempo,
                "temperature": self.temperature, "program": self.program}

    def roll(self) -> np.ndarray:
        """The voice roll ``[4, bars * 16]`` (MIDI pitches, -1 for rests) of this chorale."""
        import jax

        from .rolls import REST, STEPS_PER_BAR, from_classes

        config, generate, _ = load_generator(self.model)
        segments = -(-self.bars // config.bars)
        probs = np.asarray(generate(jax.random.PRNGKey(self.seed), segments), np.float64)  # [S, T, C, V]
        if self.temperature > 0:
            rng = np.random.default_rng(self.seed)
            logits = np.log(np.maximum(probs, 1e-12)) / self.temperature
            gumbel = -np.log(-np.log(rng.uniform(1e-12, 1.0, logits.shape)))
            classes = np.argmax(logits + gumbel, axis=2)
        else:
            classes = np.argmax(probs, axis=2)
        roll = from_classes(np.concatenate(list(np.swapaxes(classes, 1, 2)), axis=1))  # [V, S*T]
        roll = roll[:, :self.bars * STEPS_PER_BAR]
        return np.where(roll == REST, REST, roll + self.shift).astype(np.int8)

    def __call__(self, value=None) -> Score:
        from .rolls import to_score

        return to_score(self.roll(), tempo=self.tempo, programs=(self.program,) * 4)
