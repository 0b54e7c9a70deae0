"""Command groups that several plugins add sub-commands to.

A plugin's ``register_commands(cli)`` hook adds to them with, e.g.,
``cli.commands["train"].add_command(my_command, "asr")``.
"""

from __future__ import annotations

from .app import cli


@cli.group()
def train() -> None:
    """Train a model (sub-commands come from plugins: asr, hmm-words, gan, ...)."""


@cli.group(name="eval")
def evaluate() -> None:
    """Evaluate a model on a dataset or manifest (sub-commands come from plugins)."""


@cli.group()
def generate() -> None:
    """Generate music or sounds with a trained generator (sub-commands come from plugins)."""


@cli.group()
def plot() -> None:
    """Draw a picture of a file (sub-commands come from plugins: pianoroll, spectrogram, pitch, ...)."""
