"""The ``notes-gan`` generator stage: a new instrument note as a :class:`sonitus.Spectrogram`.

The model writes a log-mel image; the stage turns it into linear magnitudes (16 kHz,
``n_fft`` 1024, hop 256) for the registered ``griffin-lim`` stage to give it a phase:

>>> from sonitus.dsl import music as m, griffin_lim, save                  # doctest: +SKIP
>>> (m.generate("notes-gan", pitch=60, instrument="piano") >> griffin_lim() >> save("n.wav")).run()
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from sonitus import Spectrogram
from sonitus.errors import ParameterError
from sonitus.stages import StageBase

from .notes import SPEC, family_index, from_image

__all__ = ["NotesGANGenerator", "default_model_path", "load_note_generator"]


def default_model_path() -> Path:
    """The notes GAN shipped in the package (``plugins/gan/weights/notes-gan.ckpt``)."""
    return Path(__file__).with_name("weights") / "notes-gan.ckpt"


@functools.lru_cache(maxsize=2)
def load_note_generator(path: str | None = None):
    """``(config, generate, header)`` of a notes-GAN checkpoint; ``generate(z [B, latent],
    pitch [B], family [B], velocity [B])`` returns images ``[B, frames, n_mels]`` (jitted)."""
    import jax

    from .notes_model import MODEL_NAME, NotesGANConfig, build_generator
    from .rounds import load_generator_params

    config, params, header = load_generator_params(path, shipped=default_model_path(), what="Notes GAN",
                                                   model_name=MODEL_NAME, config_cls=NotesGANConfig,
                                                   train_command="sonitus train gan notes")
    module = build_generator(config)

    @jax.jit
    def generate(z, pitch, family, velocity):
        return module.apply(params, z, {"pitch": pitch, "family": family, "velocity": velocity})

    return config, generate, header


class NotesGANGenerator(StageBase):
    """Nothing -> Spectrogram: one new note (1 s at 16 kHz) from the notes GAN.

    Args:
        model: checkpoint (default: the shipped one).
        pitch: MIDI note number, within the range the model learnt (36-84 for the shipped one).
        instrument: family name: piano, guitar, organ, strings, brass or flute.
        velocity: MIDI velocity 1-127 (loudness and brightness).
        seed: which note (same seed, same note).
    """

    name = "notes-gan"
    consumes = None
    produces = Spectrogram

    def __init__(self, model: str | None = None, *, pitch: int = 60, instrument: str = "piano",
                 velocity: int = 100, seed: int = 0):
        if not 1 <= int(velocity) <= 127:
            raise ParameterError(f"notes-gan: velocity must be a MIDI velocity 1-127, not {velocity}.")
        self.family = family_index(instrument)
        self.model, self.pitch, self.instrument = model, int(pitch), instrument
        self.velocity, self.seed = int(velocity), int(seed)

    @property
    def options(self) -> dict:
        return {"model": self.model, "pitch": self.pitch, "instrument": self.instrument,
                "velocity": self.velocity, "seed": self.seed}

    def image(self) -> np.ndarray:
        """The model's log-mel image ``[frames, n_mels]`` in [-1, 1]."""
        import jax

        config, generate, _ = load_note_generator(self.model)
        if not config.pitch_low <= self.pitch <= config.pitch_high:
            raise ParameterError(f"notes-gan: pitch {self.pitch} is outside the range this model learnt "
                                 f"(MIDI {config.pitch_low}-{config.pitch_high}).")
        z = jax.random.normal(jax.random.PRNGKey(self.seed), (1, config.latent), "float32")
        return np.asarray(generate(z, np.array([self.pitch]), np.array([self.family]),
                                   np.array([self.velocity])))[0]

    def __call__(self, value=None) -> Spectrogram:
        return Spectrogram(from_image(self.image()), sample_rate=SPEC.sample_rate, n_fft=SPEC.n_fft,
                           hop_length=SPEC.hop_length)
