"""Built-in generative-music plugin: the chorale GAN (Scores) and the notes GAN (audio notes).

Stages ``chorale-gan`` (generator, nothing -> Score), ``chorale-harmoniser`` (generator, a
melody Score -> a chorale Score), ``notes-gan`` (generator, nothing ->
Spectrogram, for ``griffin-lim``) and ``notes-gan-synth`` (renderer, Score -> Audio); datasets ``chorales`` (Bach's chorales from music21's
corpus as voice rolls) and ``gm-notes`` (FluidSynth-rendered notes as log-mel images);
commands ``sonitus generate chorale|note``, ``sonitus train gan chorales|notes`` and
``sonitus eval gan chorales|notes``. See docs/gan.md.
"""

from __future__ import annotations

from sonitus import Audio, Score, Spectrogram, hookimpl

#: stages of other plugins this one builds by name (the music plugin's song reader and renderer), checked when sonitus
#: loads: without them this plugin's stages say so instead of failing mid-run
REQUIRES = ("load-song", "fluidsynth")


def chorale_gan(model: str | None = None, bars: int | None = None, seed: int = 0, key: str | None = None,
                tempo: float = 80.0, temperature: float = 0.0, program: int = 52, melody=None):
    """A new SATB chorale (Score) from the chorale GAN: bars, seed, key, tempo, temperature; with
    melody= (a Score or a .mid/.txt file) the chorale harmoniser writes one on that tune."""
    if melody is not None:
        from .harmoniser import HarmonisedMelody

        return HarmonisedMelody(melody, model=model, key=key, bars=bars, seed=seed,
                                temperature=temperature or None, program=program)
    from .generator import ChoraleGANGenerator

    return ChoraleGANGenerator(model, bars=8 if bars is None else bars, seed=seed, key=key or "C", tempo=tempo,
                               temperature=temperature, program=program)


def chorale_harmoniser(model: str | None = None, key: str | None = None, bars: int | None = None, seed: int = 0,
                       temperature: float = 0.8, program: int = 52):
    """Harmonise a melody (Score, one line): it stays the soprano; alto, tenor and bass are written."""
    from .harmoniser import ChoraleHarmoniser

    return ChoraleHarmoniser(model, key=key, bars=bars, seed=seed, temperature=temperature, program=program)


def notes_gan(model: str | None = None, pitch: int = 60, instrument: str = "piano", velocity: int = 100,
              seed: int = 0):
    """A new instrument note (Spectrogram, 1 s at 16 kHz) from the notes GAN: pitch, instrument, velocity, seed."""
    from .note_generator import NotesGANGenerator

    return NotesGANGenerator(model, pitch=pitch, instrument=instrument, velocity=velocity, seed=seed)


def notes_gan_synth(model: str | None = None, instrument: str = "auto", seed: int = 0, release: float = 0.08,
                    iterations: int = 32, normalize: float | None = -1.0):
    """Play a Score with the notes GAN: each note generated, Griffin-Lim rendered and overlap-added (16 kHz),
    the mix's peak at ``normalize`` dBFS (None: the notes' own level)."""
    from .note_synth import NotesGANRenderer

    return NotesGANRenderer(model, instrument=instrument, seed=seed, release=release, iterations=iterations,
                            normalize=normalize)


def gm_notes_dataset(root: str | None = None):
    """Single notes of six instrument families rendered with FluidSynth, as log-mel images, with a held-out split."""
    from .notes import GMNotes

    return GMNotes(root)


def chorales_dataset(root: str | None = None):
    """Bach's four-part chorales (music21 corpus) as 4-bar voice rolls, with a held-out split."""
    from .chorales import Chorales

    return Chorales(root)


@hookimpl
def register_generators(register):
    register("chorale-gan", chorale_gan, consumes=None, produces=Score,
             description="Four-part (SATB) chorales from a MuseGAN-style WGAN-GP trained on Bach.")
    register("chorale-harmoniser", chorale_harmoniser, consumes=Score, produces=Score,
             description="Four-part harmony under a given melody (a masked transformer trained on Bach, Gibbs "
                         "sampling).")
    register("notes-gan", notes_gan, consumes=None, produces=Spectrogram,
             description="Instrument notes (pitch, family, velocity) from a conditional SpecGAN-style WGAN-GP.")


@hookimpl
def register_renderers(register):
    register("notes-gan-synth", notes_gan_synth, consumes=Score, produces=Audio,
             description="Plays a Score with the notes GAN, one generated note per note (16 kHz).")


@hookimpl
def register_datasets(register):
    register("chorales", chorales_dataset, description="Bach's chorales from music21's corpus as SATB voice rolls.")
    register("gm-notes", gm_notes_dataset,
             description="General MIDI notes of six instrument families (FluidSynth) as log-mel images.")


@hookimpl
def register_commands(cli):
    from ._cli import (
        eval_gan_chorales,
        eval_gan_notes,
        generate_chorale,
        generate_note,
        train_gan_chorales,
        train_gan_harmoniser,
        train_gan_notes,
    )

    for group_name, command in (("train", train_gan_chorales), ("eval", eval_gan_chorales),
                                ("train", train_gan_harmoniser),
                                ("train", train_gan_notes), ("eval", eval_gan_notes)):
        group = cli.commands[group_name]
        gan = group.commands.get("gan")
        if gan is None:
            gan = type(group)("gan", help="Generative models: the chorale GAN, the chorale harmoniser and "
                                          "the notes GAN.")
            group.add_command(gan)
        gan.add_command(command)
    cli.commands["generate"].add_command(generate_chorale)
    cli.commands["generate"].add_command(generate_note)
