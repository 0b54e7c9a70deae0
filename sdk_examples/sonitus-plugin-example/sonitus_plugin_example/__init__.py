"""An example sonitus plugin.

It registers two stages through the same hooks the built-in plugins use, in the two ways
there are: a function that builds the stage (its types given to ``register``) and a stage class
(which states its own):

``example-fade`` (preprocessor, Audio -> Audio)
    Fade the start and the end of a clip in and out over ``seconds``.
``example-zcr`` (feature extractor, Audio -> Features)
    Zero-crossing rate per frame, a classic voiced/unvoiced cue.
"""

from __future__ import annotations

import numpy as np
from sonitus import Audio, Features, hookimpl
from sonitus.errors import ParameterError
from sonitus.stages import FunctionStage, StageBase

__version__ = "0.1.0"


def fade(seconds: float = 0.05) -> FunctionStage:
    """Fade in and out linearly over ``seconds`` at each end."""
    if seconds < 0:
        raise ParameterError(f"example-fade: seconds must be >= 0, not {seconds}.")

    def apply(audio: Audio) -> Audio:
        n = min(int(round(seconds * audio.sample_rate)), audio.frames // 2)
        envelope = np.ones(audio.frames, np.float32)
        if n:
            ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
            envelope[:n] = ramp
            envelope[-n:] = ramp[::-1]
        return audio.with_samples(audio.samples * envelope)

    return FunctionStage("example-fade", apply, consumes=Audio, produces=Audio,
                         options={"seconds": seconds})


class ZeroCrossingRate(StageBase):
    """Fraction of sign changes in each frame (mono), as Features of kind ``"zcr"``.

    A stage class states its name and types once, as class attributes; ``register(ZeroCrossingRate)``
    takes them from here and builds it with ``ZeroCrossingRate(**options)``."""

    name = "example-zcr"
    consumes = Audio
    produces = Features

    def __init__(self, frame_length: int = 400, hop_length: int = 160) -> None:
        if frame_length < 2 or hop_length < 1:  # options are checked when the stage is built, before any work
            raise ParameterError("example-zcr: frame_length must be >= 2 and hop_length >= 1.")
        self.frame_length, self.hop_length = frame_length, hop_length

    def __call__(self, audio: Audio) -> Features:
        x = audio.mono
        if x.size < self.frame_length:
            x = np.pad(x, (0, self.frame_length - x.size))
        frames = np.lib.stride_tricks.sliding_window_view(x, self.frame_length)[::self.hop_length]
        signs = np.signbit(frames)
        rate = np.mean(signs[:, 1:] != signs[:, :-1], axis=1, keepdims=True)
        return Features(rate.astype(np.float32), audio.sample_rate / self.hop_length, "zcr")


@hookimpl
def register_preprocessors(register):
    register("example-fade", fade)


@hookimpl
def register_feature_extractors(register):
    register(ZeroCrossingRate)
