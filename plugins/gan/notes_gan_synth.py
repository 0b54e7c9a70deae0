"""The ``notes-gan-synth`` renderer: a whole Score played by the notes GAN.

Every note of the score becomes one generated note (its pitch, its velocity, an instrument
family from its track's General MIDI program or the one asked for), rendered with mel
inversion + Griffin-Lim, cut to the note's length with a short fade and added at its start:

>>> from sonitus.dsl import music as m, stage, save                         # doctest: +SKIP
>>> tune = m.song(tempo=100).track("melody", m.phrase("C4 E4 G4 C5/2"), instrument="flute")
>>> (m.Source(tune.to_score()) >> stage("notes-gan-synth") >> save("tune.wav")).run()
"""

from __future__ import annotations

import numpy as np
from sonitus import Audio, Score
from sonitus.dsp.levels import check_peak_db
from sonitus.errors import ParameterError, ScoreError
from sonitus.stages import StageBase

from .notes import SPEC, family_index, render_images

__all__ = ["NotesGANRenderer", "family_of_program"]

#: General MIDI program ranges (0-based) -> the notes GAN's family that plays them
_PROGRAM_FAMILIES = ((range(0, 16), "piano"), (range(16, 24), "organ"), (range(24, 32), "guitar"),
                     (range(40, 56), "strings"), (range(56, 72), "brass"), (range(72, 80), "flute"))


def family_of_program(program: int) -> str:
    """The family that plays a General MIDI program: pianos and chromatic percussion -> piano,
    organs -> organ, guitars -> guitar, strings and ensembles -> strings, brass and reeds ->
    brass, pipes -> flute; anything else -> piano."""
    return next((family for programs, family in _PROGRAM_FAMILIES if program in programs), "piano")


def _into_range(pitch: int, low: int, high: int) -> int:
    """``pitch`` moved by whole octaves into ``[low, high]`` (a range of at least an octave)."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return pitch


class NotesGANRenderer(StageBase):
    """Score -> Audio (16 kHz mono): every pitched note played by the notes GAN.

    Args:
        model: notes-GAN checkpoint (default: the shipped one).
        instrument: one family for every track (piano, guitar, organ, strings, brass, flute),
            or "auto" to take each track's from its General MIDI program.
        seed: which performance (each note draws its own latent from it).
        release: seconds of fade after a note's end (the generated notes last about 1 s, so a
            longer note is cut at 1 s).
        iterations: Griffin-Lim iterations.
        peak_db: the mix's peak level in dBFS (-1, as the fluidsynth renderer), or None to keep
            the notes' own level (about -25 dBFS).

    Pitches outside the model's range (MIDI 36-84 for the shipped one) are moved by octaves
    into it; drum tracks are left out.
    """

    name = "notes-gan-synth"
    consumes = Score
    produces = Audio

    def __init__(self, model: str | None = None, *, instrument: str = "auto", seed: int = 0, release: float = 0.08,
                 iterations: int = 32, peak_db: float | None = -1.0):
        if instrument != "auto":
            family_index(instrument)
        if not 0.0 <= float(release) <= 1.0:
            raise ParameterError(f"notes-gan-synth: release must be 0-1 s, not {release}.")
        if not 1 <= int(iterations) <= 1000:
            raise ParameterError(f"notes-gan-synth: iterations must be 1-1000, not {iterations}.")
        self.model, self.instrument, self.seed = model, instrument, int(seed)
        self.release, self.iterations = float(release), int(iterations)
        self.peak_db = check_peak_db(peak_db, "notes-gan-synth")

    @property
    def options(self) -> dict:
        return {"model": self.model, "instrument": self.instrument, "seed": self.seed, "release": self.release,
                "iterations": self.iterations, "peak_db": self.peak_db}

    def notes(self, score: Score) -> list[tuple[float, float, int, int, str]]:
        """``(start s, end s, pitch, velocity, family)`` of every pitched note, in time order."""
        out = []
        for inst in score.midi.instruments:
            if inst.is_drum:
                continue
            family = family_of_program(inst.program) if self.instrument == "auto" else self.instrument
            out += [(n.start, n.end, n.pitch, n.velocity, family) for n in inst.notes]
        if not out:
            raise ScoreError("notes-gan-synth: the score has no pitched notes to play.")
        return sorted(out)

    def __call__(self, score: Score) -> Audio:
        import jax

        from .note_generator import load_note_generator

        config, generate, _ = load_note_generator(self.model)
        notes = self.notes(score)
        low, high = config.pitch_low, config.pitch_high
        pitches = np.array([_into_range(p, low, high) for _, _, p, _, _ in notes])
        families = np.array([family_index(f) for *_, f in notes])
        velocities = np.array([max(1, v) for _, _, _, v, _ in notes])
        z = jax.random.normal(jax.random.PRNGKey(self.seed), (len(notes), config.latent), "float32")
        images = np.concatenate([np.asarray(generate(z[i:i + 64], pitches[i:i + 64], families[i:i + 64],
                                                     velocities[i:i + 64])) for i in range(0, len(notes), 64)])
        waves = render_images(images, n_iter=self.iterations)
        rate = SPEC.sample_rate
        length = int((max(e for _, e, *_ in notes) + self.release) * rate)
        out = np.zeros(length + waves.shape[1], np.float32)
        fade = max(1, int(self.release * rate))
        for (start, stop, *_), wave in zip(notes, waves):
            keep = min(len(wave), int((stop - start) * rate) + fade)
            piece = wave[:keep].copy()
            tail = min(fade, keep)
            piece[keep - tail:] *= np.linspace(1.0, 0.0, tail, dtype=np.float32)
            at = int(start * rate)
            out[at:at + keep] += piece
        out = out[:length]
        peak = float(np.max(np.abs(out)))
        if self.peak_db is not None and peak > 0:  # as the fluidsynth renderer: the notes' own level is ~-25 dBFS
            out *= np.float32(10 ** (self.peak_db / 20) / peak)
        elif peak > 0.99:
            out *= 0.99 / peak
        return Audio(out[None], rate)

