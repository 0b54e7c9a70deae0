"""Built-in listening plugin: hear pitch, rhythm, key and melody in recordings.

Stages ``pitch`` (feature extractor: Audio -> Features ``[frames, 2]``, pYIN f0 and voicing)
and ``melody`` (recogniser: a sung or played line, Audio -> Score); commands ``sonitus analyze``
(tempo, beats, onsets, key, chords), ``sonitus to-midi`` (a sung or played line -> MIDI) and
``sonitus plot pitch`` (pitch contour and beats over the spectrogram).
The kernels live in the library layer: :mod:`sonitus.dsp.pitch` (``pyin``),
:mod:`sonitus.dsp.rhythm` (onsets, tempo, beats) and :mod:`sonitus.dsp.tonal` (key, chords).
"""

from __future__ import annotations

from sonitus import hookimpl

from .stages import MelodyTranscriber, PitchTracker

#: stages of other plugins this one builds by name (the io plugin's reader and writer), checked when sonitus
#: loads: without them this plugin's stages say so instead of failing mid-run
REQUIRES = ("load", "save")


@hookimpl
def register_feature_extractors(register):
    register(PitchTracker, description="pYIN f0 (Hz, 0 unvoiced) and voiced probability, Features [frames, 2] "
                                          "(librosa's frames).")


@hookimpl
def register_recognizers(register):
    register(MelodyTranscriber, description="A sung, hummed or played line as a Score (pYIN notes, onsets, tempo; "
                                               "quantize='1/8' snaps).")


@hookimpl
def register_commands(cli):
    from .cli import analyze, plot_pitch, to_midi

    cli.add_command(analyze)
    cli.add_command(to_midi)
    cli.commands["plot"].add_command(plot_pitch)
