"""Built-in music plugin: the ``fluidsynth`` renderer (Score -> Audio), the ``load-song`` reader
(a song file -> Score) and the CLI
commands ``sonitus compose``, ``sonitus render``, ``sonitus plot pianoroll`` and
``sonitus plot spectrogram``. The composition DSL itself is :mod:`sonitus.dsl.music`.
"""

from __future__ import annotations

from sonitus import hookimpl

from .renderer import FluidSynthRenderer
from .songfile import SongLoader

#: stages of other plugins this one builds by name (resampling and the io plugin's writer), checked when sonitus
#: loads: without them this plugin's stages say so instead of failing mid-run
REQUIRES = ("resample", "save")


@hookimpl
def register_renderers(register):
    register(FluidSynthRenderer, description="Render a Score with FluidSynth (General MIDI SoundFont from pretty_midi by "
                                                "default); the result peaks at peak_db dBFS (None keeps FluidSynth's level).")


@hookimpl
def register_io(register):
    register(SongLoader, description="Read a song file as a Score: .txt (song notation), .py (a DSL script, refused "
                                        "with text_only=true) or .mid.")


@hookimpl
def register_commands(cli):
    from .cli import add_commands

    add_commands(cli)
