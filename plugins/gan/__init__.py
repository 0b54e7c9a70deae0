"""Built-in generative-music plugin: the chorale GAN (Scores) and the notes GAN (audio notes).

Stages ``chorale-gan`` (generator, nothing -> Score), ``chorale-harmoniser`` (generator, a
melody Score -> a chorale Score), ``notes-gan`` (generator, nothing ->
Spectrogram, for ``griffin-lim``) and ``notes-gan-synth`` (renderer, Score -> Audio); datasets ``chorales`` (Bach's chorales from music21's
corpus as voice rolls) and ``gm-notes`` (FluidSynth-rendered notes as log-mel images);
commands ``sonitus generate chorale|note``, ``sonitus train gan chorales|notes`` and
``sonitus eval gan chorales|notes``. See docs/gan.md.
"""

from __future__ import annotations

from sonitus import Score, hookimpl

from .chorales import Chorales
from .factories import chorale_gan
from .harmoniser import ChoraleHarmoniser
from .note_generator import NotesGANGenerator
from .notes import GMNotes
from .notes_gan_synth import NotesGANRenderer

#: stages of other plugins this one builds by name (the music plugin's song reader and renderer), checked when sonitus
#: loads: without them this plugin's stages say so instead of failing mid-run
REQUIRES = ("load-song", "fluidsynth")


@hookimpl
def register_generators(register):
    register("chorale-gan", chorale_gan, consumes=None, produces=Score,
             description="Four-part (SATB) chorales from a MuseGAN-style WGAN-GP trained on Bach.")
    register(ChoraleHarmoniser,
             description="Four-part harmony under a given melody (a masked transformer trained on Bach, Gibbs "
                         "sampling).")
    register(NotesGANGenerator,
             description="Instrument notes (pitch, family, velocity) from a conditional SpecGAN-style WGAN-GP.")


@hookimpl
def register_renderers(register):
    register(NotesGANRenderer,
             description="Plays a Score with the notes GAN, one generated note per note (16 kHz).")


@hookimpl
def register_datasets(register):
    register("chorales", Chorales, description="Bach's chorales from music21's corpus as SATB voice rolls.")
    register("gm-notes", GMNotes,
             description="General MIDI notes of six instrument families (FluidSynth) as log-mel images.")


@hookimpl
def register_commands(cli):
    from .cli import (
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
