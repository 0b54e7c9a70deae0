"""Built-in music plugin: the ``fluidsynth`` renderer (Score -> Audio), the ``load-song`` reader
(a song file -> Score) and the CLI
commands ``sonitus compose``, ``sonitus render``, ``sonitus plot pianoroll`` and
``sonitus plot spectrogram``. The composition DSL itself is :mod:`sonitus.dsl.music`.
"""

from __future__ import annotations

import os

from sonitus import Audio, Score, hookimpl

#: stages of other plugins this one builds by name (resampling and the io plugin's writer), checked when sonitus
#: loads: without them this plugin's stages say so instead of failing mid-run
REQUIRES = ("resample", "save")


def fluidsynth(soundfont: str | None = None, sample_rate: int = 44100, reverb: bool = True, chorus: bool = True,
               gain: float = 0.4, tail: float = 1.0, threads: int | None = None, normalize: float | None = -1.0):
    """Render a Score with FluidSynth (General MIDI SoundFont from pretty_midi by default); the
    result peaks at ``normalize`` dBFS (None keeps FluidSynth's own level)."""
    from .renderer import FluidSynthRenderer

    return FluidSynthRenderer(soundfont=soundfont, sample_rate=sample_rate, reverb=reverb, chorus=chorus,
                              gain=gain, tail=tail, threads=threads, normalize=normalize)


@hookimpl
def register_renderers(register):
    register("fluidsynth", fluidsynth, consumes=Score, produces=Audio)


def load_song(path: str | None = None, text_only: bool = False):
    """Read a song file as a Score: .txt (song notation), .py (a DSL script, refused with
    text_only=true) or .mid."""
    from .songfile import SongLoader

    return SongLoader(path, text_only=text_only)


@hookimpl
def register_io(register):
    register("load-song", load_song, consumes=(str, os.PathLike, type(None)), produces=Score)


@hookimpl
def register_commands(cli):
    from .cli import add_commands

    add_commands(cli)
