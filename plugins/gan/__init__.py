"""Built-in generative-music plugin: the chorale GAN (four-part chorales as Scores).

Stage ``chorale-gan`` (generator, nothing -> Score); dataset ``chorales`` (Bach's chorales
from music21's corpus as voice rolls); commands ``sonitus generate chorale``,
``sonitus train gan chorales`` and ``sonitus eval gan chorales``. See docs/gan.md.
"""

from __future__ import annotations

from sonitus import Score, hookimpl


def chorale_gan(model: str | None = None, bars: int = 8, seed: int = 0, key: str = "C", tempo: float = 80.0,
                temperature: float = 0.0, program: int = 52):
    """A new SATB chorale (Score) from the chorale GAN: bars, seed, key, tempo, temperature."""
    from .generator import ChoraleGenerator

    return ChoraleGenerator(model, bars=bars, seed=seed, key=key, tempo=tempo, temperature=temperature,
                            program=program)


def chorales_dataset(root: str | None = None):
    """Bach's four-part chorales (music21 corpus) as 4-bar voice rolls, with a held-out split."""
    from .chorales import Chorales

    return Chorales(root)


@hookimpl
def register_generators(register):
    register("chorale-gan", chorale_gan, consumes=None, produces=Score,
             description="Four-part (SATB) chorales from a MuseGAN-style WGAN-GP trained on Bach.")


@hookimpl
def register_datasets(register):
    register("chorales", chorales_dataset, description="Bach's chorales from music21's corpus as SATB voice rolls.")


@hookimpl
def register_commands(cli):
    import click

    from ._cli import eval_gan_chorales, generate_chorale, train_gan_chorales

    for group_name, command in (("train", train_gan_chorales), ("eval", eval_gan_chorales)):
        group = cli.commands[group_name]
        gan = group.commands.get("gan")
        if gan is None:
            gan = click.Group("gan", help="Generative models: chorales (and more from plugins).")
            group.add_command(gan)
        gan.add_command(command)
    cli.commands["generate"].add_command(generate_chorale)
