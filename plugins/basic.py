"""Basic Audio -> Audio stages: ``to-mono``, ``resample`` and ``gain``."""

from __future__ import annotations

from sonitus import Audio, hookimpl
from sonitus.audio import check_sample_rate
from sonitus.errors import ParameterError
from sonitus.stages import FunctionStage


def to_mono() -> FunctionStage:
    """Average all channels into one."""
    return FunctionStage("to-mono", Audio.to_mono, consumes=Audio, produces=Audio)


def resample(sample_rate: int = 16000, quality: str = "HQ") -> FunctionStage:
    """Resample to ``sample_rate`` Hz with soxr (quality QQ, LQ, MQ, HQ or VHQ)."""
    sample_rate = check_sample_rate(sample_rate, "resample")
    if quality.upper() not in {"QQ", "LQ", "MQ", "HQ", "VHQ"}:
        raise ParameterError(f"resample: quality must be QQ, LQ, MQ, HQ or VHQ, not {quality!r}.")
    return FunctionStage("resample", lambda a: a.resample(sample_rate, quality=quality.upper()),
                         consumes=Audio, produces=Audio,
                         options={"sample_rate": sample_rate, "quality": quality})


def gain(db: float = 0.0) -> FunctionStage:
    """Scale the level by ``db`` decibels (positive louder, negative quieter)."""
    factor = 10.0 ** (float(db) / 20.0)
    return FunctionStage("gain", lambda a: a.with_samples(a.samples * factor), consumes=Audio,
                         produces=Audio, options={"db": db})


@hookimpl
def register_preprocessors(register):
    register("to-mono", to_mono)
    register("resample", resample)
    register("gain", gain)
