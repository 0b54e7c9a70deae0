"""What ``sonitus batch`` does with one file, whichever backend runs it: the pipeline as it
runs on a path (its reader in front), and the JSON row of each result (outputs written
beside the rows file). :mod:`sonitus.batch` (local) and :mod:`sonitus.batch_ray` share it.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_path
from .audio import Audio
from .errors import DiskFullError, ParameterError, SonitusError
from .pipeline import FunctionStage, Pipeline
from .registry import get_registry
from .score import Score
from .stage_types import type_name, types_fit
from .values import Features, Transcript

__all__ = ["runnable_for", "reader_for", "run_batch"]


def runnable_for(pipeline: Pipeline) -> Pipeline:
    """``pipeline`` as it runs on a path: as it is when it starts with a reader (``load(...) >> ...``,
    ``load-song``: its options are the reader's), else after the reader of what it consumes."""
    takes = pipeline.consumes if isinstance(pipeline.consumes, tuple) else (pipeline.consumes,)
    if str in takes or os.PathLike in takes:
        return pipeline
    return reader_for(pipeline) >> pipeline


def reader_for(pipeline: Pipeline):
    """The stage that turns a path into what ``pipeline`` consumes (audio or a MIDI score)."""
    if types_fit(Audio, pipeline.consumes):
        return get_registry().stage("load")
    if types_fit(Score, pipeline.consumes):
        return FunctionStage("load-midi", Score.load, consumes=(str, os.PathLike), produces=Score)
    raise ParameterError(f"sonitus batch reads audio and MIDI files; pipeline {pipeline.name!r} starts with a "
                         f"stage that takes {type_name(pipeline.consumes)}: start it with a stage that takes "
                         "Audio or a Score, or with a reader such as load(sample_rate=16000).")


def _row(path: Path, value: Any, files: Path) -> dict[str, Any]:
    stem = f"{path.stem}-{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]}"
    if isinstance(value, Transcript):
        return value.to_dict()
    if isinstance(value, str):
        return {"text": value}
    if isinstance(value, Audio):
        return {"output": str(value.save(files / f"{stem}.wav")), "duration": round(value.duration, 3)}
    if isinstance(value, Score):
        return {"output": str(value.save(files / f"{stem}.mid")), "notes": value.notes}
    if isinstance(value, Features):
        with atomic_path(files / f"{stem}.npy") as tmp:
            np.save(tmp, np.asarray(value.data))
        return {"output": str(files / f"{stem}.npy"), "shape": list(np.shape(value.data)), "kind": value.kind}
    if isinstance(value, os.PathLike):
        return {"output": str(value)}
    raise ParameterError(f"sonitus batch cannot store a {type(value).__name__}; end the pipeline with a stage that "
                         "makes a Transcript, text, Audio, a Score or Features.")


def run_batch(runnable: Pipeline, batch: list[Path], files: Path):
    """``(path, row)`` for each file: the whole batch at once, or one by one when any fails."""
    tic = time.time()
    try:
        values = runnable.map([str(p) for p in batch], batch_size=len(batch))
    except DiskFullError:
        raise
    except SonitusError:
        values = None
    if values is not None:
        each = (time.time() - tic) / len(batch)
        for path, value in zip(batch, values):
            yield path, _stored(path, value, files, each)
        return
    for path in batch:
        tic = time.time()
        try:
            value = runnable(str(path))
        except DiskFullError:
            raise
        except SonitusError as exc:
            yield path, _error_row(exc, time.time() - tic)
            continue
        yield path, _stored(path, value, files, time.time() - tic)


def _stored(path: Path, value: Any, files: Path, seconds: float) -> dict[str, Any]:
    try:
        return {"ok": True, **_row(path, value, files), "seconds": round(seconds, 4)}
    except DiskFullError:
        raise
    except SonitusError as exc:
        return _error_row(exc, seconds)


def _error_row(exc: SonitusError, seconds: float) -> dict[str, Any]:
    return {"ok": False, "error": " ".join(str(exc).split()), "seconds": round(seconds, 4)}
