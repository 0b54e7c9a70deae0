"""The FluidSynth renderer: every track of a Score in one synthesiser pass."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
from sonitus import Audio, Score
from sonitus.audio import dbfs
from sonitus.dsp.levels import check_peak_db
from sonitus.errors import DependencyError, ParameterError, ScoreError, whole_number
from sonitus.music.channels import assign_channels
from sonitus.stages import StageBase

__all__ = ["FluidSynthRenderer", "default_soundfont", "load_fluidsynth"]

DEBIAN_SOUNDFONTS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2",
                     "/usr/share/sounds/sf2/TimGM6mb.sf2")


def default_soundfont() -> Path:
    """The General MIDI SoundFont pretty_midi installs (TimGM6mb), else a Debian one.

    TimGM6mb is GPL-2, so sonitus never ships a copy: it is read from pretty_midi's
    installed package at run time. ``$SONITUS_SOUNDFONT`` overrides the choice.
    """
    override = os.environ.get("SONITUS_SOUNDFONT")
    if override:
        return Path(override)
    try:
        import pretty_midi

        bundled = Path(pretty_midi.__file__).with_name("TimGM6mb.sf2")
        if bundled.exists():
            return bundled
    except ImportError:
        pass
    for candidate in DEBIAN_SOUNDFONTS:
        if Path(candidate).exists():
            return Path(candidate)
    raise DependencyError("No General MIDI SoundFont found: install pretty_midi, or the Debian package "
                          "fluid-soundfont-gm (sudo apt-get install fluid-soundfont-gm), or pass soundfont=.")


def load_fluidsynth():
    """Import pyfluidsynth, turning a missing system library into a clear DependencyError."""
    try:
        import fluidsynth
    except ImportError as exc:
        raise DependencyError(
            f"The FluidSynth library is not available ({exc}). Install it with "
            f"`sudo apt-get install libfluidsynth3` (Debian/Ubuntu) and `pip install pyfluidsynth`.") from None
    if not hasattr(fluidsynth, "Synth"):
        raise DependencyError("The installed 'fluidsynth' module is not pyfluidsynth; "
                              "`pip uninstall fluidsynth && pip install pyfluidsynth`.")
    return fluidsynth


@functools.lru_cache(maxsize=1)
def _float_writer(fluidsynth):
    """libfluidsynth's ``fluid_synth_write_float``, its argument types declared (once)."""
    import ctypes

    write = fluidsynth._fl.fluid_synth_write_float
    write.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
                      ctypes.c_int, ctypes.c_int]
    write.restype = ctypes.c_int
    return write


def _samples(fluidsynth, synth, frames: int) -> np.ndarray:
    """The next ``frames`` stereo frames as float32 ``[frames, 2]`` in [-1, 1].

    Float output rather than pyfluidsynth's 16-bit ``get_samples``: no quantisation before the
    renderer normalises (a quiet score keeps its low bits), and no dither, whose noise table
    FluidSynth fills from C's ``rand()`` once a process, so that a render depended on what
    else in the process had called ``rand()`` (Ray's start did)."""
    import ctypes

    out = np.zeros((frames, 2), np.float32)
    pointer = out.ctypes.data_as(ctypes.c_void_p)
    if _float_writer(fluidsynth)(synth.synth, frames, pointer, 0, 2, pointer, 1, 2) != 0:
        raise ParameterError("FluidSynth failed to render (fluid_synth_write_float returned an error).")
    return out


class FluidSynthRenderer(StageBase):
    """Score -> Audio (stereo float32) with FluidSynth.

    All instruments play on one synthesiser: each gets its own MIDI channel (drums on
    channel 10), and note, program, control and pitch-bend events are merged in time order.
    Voices are rendered on ``threads`` CPU cores (default: all).
    """

    name = "fluidsynth"
    consumes = Score
    produces = Audio

    def __init__(self, soundfont: str | os.PathLike[str] | None = None, sample_rate: int = 44100,
                 reverb: bool = True, chorus: bool = True, gain: float = 0.4, tail: float = 1.0,
                 threads: int | None = None, peak_db: float | None = -1.0) -> None:
        self.soundfont = Path(soundfont) if soundfont is not None else default_soundfont()
        if not self.soundfont.exists():
            raise ParameterError(f"SoundFont {self.soundfont} does not exist; give the path of a .sf2 file.")
        self.sample_rate = whole_number(sample_rate, "sample_rate", 8000, 192000, unit=" Hz")
        if not 0.0 <= float(gain) <= 10.0:  # FluidSynth's own range for synth.gain
            raise ParameterError(f"fluidsynth: gain must be between 0 and 10, not {gain}.")
        if not 0.0 <= float(tail) <= 60.0:
            raise ParameterError(f"fluidsynth: tail must be between 0 and 60 s, not {tail}.")
        self.reverb, self.chorus, self.gain, self.tail = reverb, chorus, float(gain), float(tail)
        self.threads = max(1, int(threads or os.cpu_count() or 1))
        self.peak_db = check_peak_db(peak_db, "fluidsynth")

    def _events(self, score: Score) -> tuple[list[tuple[float, int, tuple]], list[tuple[int, int, int]]]:
        """Time-ordered events and the (channel, bank, program) set-up."""
        setup = []
        events: list[tuple[float, int, tuple]] = []
        instruments = score.midi.instruments
        channels = assign_channels([(inst.program, inst.is_drum) for inst in instruments])
        for inst, channel in zip(instruments, channels):
            if (channel, inst.program) not in [(c, p) for c, _, p in setup]:
                setup.append((channel, 128 if inst.is_drum else 0, inst.program))
            for n in inst.notes:
                events.append((n.start, 2, ("on", channel, n.pitch, n.velocity)))
                events.append((n.end, 0, ("off", channel, n.pitch)))
            for cc in inst.control_changes:
                events.append((cc.time, 1, ("cc", channel, cc.number, cc.value)))
            for bend in inst.pitch_bends:
                events.append((bend.time, 1, ("bend", channel, bend.pitch)))
        events.sort(key=lambda e: (e[0], e[1]))
        return events, setup

    def __call__(self, score: Score) -> Audio:
        if score.notes == 0:
            raise ScoreError("The score has no notes to render; a MIDI file of only tempo or controller events "
                             "makes silence.")
        fluidsynth = load_fluidsynth()
        events, setup = self._events(score)
        synth = fluidsynth.Synth(gain=self.gain, samplerate=self.sample_rate,
                                 **{"synth.reverb.active": int(self.reverb), "synth.chorus.active": int(self.chorus),
                                    "synth.cpu-cores": self.threads})
        try:
            sfid = synth.sfload(str(self.soundfont))
            if sfid < 0:
                raise ParameterError(f"FluidSynth could not load the SoundFont {self.soundfont}.")
            for channel, bank, program in setup:
                synth.program_select(channel, sfid, bank, program)
            chunks = []
            position = 0
            for time, _, event in events:
                target = int(round(time * self.sample_rate))
                if target > position:
                    chunks.append(_samples(fluidsynth, synth, target - position))
                    position = target
                kind = event[0]
                if kind == "on":
                    synth.noteon(event[1], event[2], event[3])
                elif kind == "off":
                    synth.noteoff(event[1], event[2])
                elif kind == "cc":
                    synth.cc(event[1], event[2], event[3])
                else:
                    synth.pitch_bend(event[1], event[2])
            chunks.append(_samples(fluidsynth, synth, max(1, int(self.tail * self.sample_rate))))
        finally:
            synth.delete()
        stereo = np.ascontiguousarray(np.concatenate(chunks).T)
        peak = float(np.max(np.abs(stereo))) if stereo.size else 0.0
        if peak < 1e-4:  # -80 dBFS: normalising would turn the synthesiser's noise floor into the music
            raise ScoreError("The score rendered to silence (its notes are too short or too quiet to sound: "
                             f"peak {dbfs(peak):.0f} dBFS); check its tempo and velocities.")
        if self.peak_db is not None:
            stereo *= np.float32(10 ** (self.peak_db / 20) / peak)
        return Audio(stereo, self.sample_rate)

    def __repr__(self) -> str:
        return f"<stage fluidsynth(soundfont={self.soundfont.name}, sample_rate={self.sample_rate}): Score -> Audio>"
