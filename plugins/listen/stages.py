"""The listening stages: ``pitch`` (Audio -> Features ``[frames, 2]``) and ``melody`` (Audio -> Score).

>>> from sonitus.dsl import load, stage                                 # doctest: +SKIP
>>> score = (load("hum.wav") >> stage("melody", quantize="1/8")).run()
"""

from __future__ import annotations

import numpy as np
from sonitus import Audio, Features, Score
from sonitus.errors import ParameterError
from sonitus.stages import StageBase

from .analysis import HOP
from .notes import parse_grid

__all__ = ["PitchTracker", "MelodyTranscriber"]


def check_range(name: str, fmin: float, fmax: float) -> tuple[float, float]:
    if not 20.0 <= float(fmin) < float(fmax) <= 8000.0:
        raise ParameterError(f"{name}: need 20 <= fmin < fmax <= 8000 Hz; got fmin={fmin}, fmax={fmax}.")
    return float(fmin), float(fmax)


class PitchTracker(StageBase):
    """Audio -> Features ``[frames, 2]`` (kind ``pitch``): f0 in Hz (0 where unvoiced) and the
    probability that the frame is voiced, by pYIN (as ``librosa.pyin``: frames of 2048, hop
    512, at the audio's rate up to 48 kHz; the frame rate is the Features'). ``fmin``/``fmax``
    bound the pitch in Hz (default C2-C7)."""

    name = "pitch"
    consumes = Audio
    produces = Features

    def __init__(self, fmin: float = 65.4, fmax: float = 2093.0):
        self.fmin, self.fmax = check_range("pitch", fmin, fmax)

    @property
    def options(self) -> dict:
        return {"fmin": self.fmin, "fmax": self.fmax}

    def __call__(self, audio: Audio) -> Features:
        from .analysis import prepared
        from .pitch_track import track_pitch

        audio = prepared(audio)
        f0, _, prob = track_pitch(audio, fmin=self.fmin, fmax=self.fmax, hop_length=HOP)
        data = np.stack([np.nan_to_num(f0, nan=0.0), prob], axis=1).astype(np.float32)
        return Features(data, audio.sample_rate / HOP, "pitch")


class MelodyTranscriber(StageBase):
    """Audio (one melodic line: sung, hummed, played) -> Score: pYIN notes split at onsets, at the
    tracked tempo; ``quantize`` ('1/8', '1/16', ...) snaps them to that grid from the first beat.
    ``min_note`` (s) drops shorter blips; ``program`` is the General MIDI instrument."""

    name = "melody"
    consumes = Audio
    produces = Score

    def __init__(self, quantize: str | None = None, fmin: float = 65.4, fmax: float = 2093.0,
                 min_note: float = 0.06, program: int = 0, bpm: float | None = None):
        self.grid = parse_grid(quantize)
        self.quantize = quantize
        self.fmin, self.fmax = check_range("melody", fmin, fmax)
        if not 0.0 <= float(min_note) <= 2.0:
            raise ParameterError(f"melody: min_note must be between 0 and 2 seconds, not {min_note}.")
        if not 0 <= int(program) <= 127:
            raise ParameterError(f"melody: program must be a General MIDI program 0-127, not {program}.")
        if bpm is not None and not 20 <= float(bpm) <= 400:
            raise ParameterError(f"melody: bpm must be between 20 and 400, not {bpm}.")
        self.min_note, self.program, self.bpm = float(min_note), int(program), bpm
        #: what the last call found: tempo, voiced frames, notes, grid origin
        self.report: dict = {}

    @property
    def options(self) -> dict:
        return {"quantize": self.quantize, "fmin": self.fmin, "fmax": self.fmax, "min_note": self.min_note,
                "program": self.program, "bpm": self.bpm}

    def __call__(self, audio: Audio) -> Score:
        from .analysis import transcribe_melody
        from .notes import to_score

        notes, bpm, self.report = transcribe_melody(audio, fmin=self.fmin, fmax=self.fmax, min_note=self.min_note,
                                                    grid_beats=self.grid, bpm=self.bpm)
        return to_score(notes, bpm=bpm, program=self.program)
