"""The pipeline DSL: compose stages with ``>>`` and run them.

>>> from sonitus.dsl import load, stage, save
>>> pipeline = load("talk.wav") >> stage("to-mono") >> stage("resample", sample_rate=16000) >> save("out.wav")
>>> pipeline  # doctest: +ELLIPSIS
<Pipeline load >> to-mono >> resample >> save: None -> Path>

Every registered stage, third-party ones included, is reachable by name with
:func:`stage` or as an attribute with dashes written as underscores
(``sonitus.dsl.to_mono()``). The music-composition DSL lives in :mod:`sonitus.dsl.music`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from sonitus import recognition
from sonitus.errors import SonitusError
from sonitus.pipeline import Pipeline
from sonitus.registry import get_registry
from sonitus.stages import StageBase

__all__ = ["Pipeline", "default_recognizer", "griffin_lim", "load", "recognize", "save", "stage", "text", "stages"]


def stage(name: str, **options: Any) -> StageBase:
    """Build the registered stage called ``name`` with keyword ``options``."""
    return get_registry().stage(name, **options)


def default_recognizer(**options: Any) -> StageBase:
    """The recogniser ``recognize()`` and ``sonitus transcribe`` use (see
    :func:`sonitus.recognition.default_recognizer`)."""
    return recognition.default_recognizer(**options)


def recognize(recognizer: str | None = None, **options: Any) -> Pipeline:
    """Speech recognition (Audio -> Transcript) for audio of any rate and channel count:
    ``to-mono >> resample >> <recognizer>``; by default Whisper where installed, else the
    shipped CTC model; ``options`` go to that stage.

    ``recognize()`` is exactly what ``sonitus transcribe`` runs, with the same defaults;
    ``recognize(beam=1)`` decodes greedily, ``recognize("ctc")`` uses the CTC model trained
    here, ``recognize(model="my-whisper/")`` a Whisper folder and ``recognize("hmm-words")``
    the classic isolated-word recogniser. The resampling goes to the recogniser's
    ``sample_rate`` (where it declares one). After your own ``to-mono >> resample`` they pass
    the audio through untouched (no copy, no second resampling).
    """
    return recognition.recognition_pipeline(recognizer, **options)


def griffin_lim(n_iter: int = 32, **options: Any) -> StageBase:
    """The registered ``griffin-lim`` stage: Spectrogram -> Audio (e.g. after ``notes-gan``)::

        (m.generate("notes-gan", pitch=60, instrument="piano") >> griffin_lim() >> save("n.wav")).run()
    """
    return get_registry().stage("griffin-lim", n_iter=n_iter, **options)


def stages() -> list[str]:
    """The names of every registered stage."""
    return get_registry().names()


def load(path: str | os.PathLike[str] | None = None, *, sample_rate: int | None = None,
         mono: bool = False) -> StageBase:
    """Start a pipeline by reading an audio file (the registered ``load`` stage).

    With no ``path`` the stage reads the path it is given, so that
    ``(load() >> ...).map(paths)`` processes many files.
    """
    return get_registry().stage("load", path=path, sample_rate=sample_rate, mono=mono)


def save(path: str | os.PathLike[str], **options: Any) -> StageBase:
    """End a pipeline by writing its Audio (.wav, .flac, ...), Score (.mid) or text (.txt,
    .json, .srt, .vtt) atomically (the registered ``save`` stage; ``options``:
    ``subtype="PCM_24"``, ``format=``)."""
    return get_registry().stage("save", path=path, **options)


def text(format: str | None = None) -> StageBase:
    """The plain text of a Transcript, or with ``format`` (``"txt"``, ``"json"``, ``"srt"``,
    ``"vtt"``) the text of that file: ``... >> recognize() >> text("srt") >> save("talk.srt")``
    writes what ``sonitus transcribe talk.wav --format srt -o .`` writes (the registered
    ``text`` stage)."""
    return get_registry().stage("text", format=format)


def __dir__() -> list[str]:
    """The public names and every registered stage (as attributes: dashes as underscores), so
    that tab completion offers them."""
    try:
        stages = [name.replace("-", "_") for name in get_registry().names()]
    except SonitusError:
        stages = []
    return sorted(set(__all__) | {"music"} | set(stages))


def __getattr__(name: str) -> Callable[..., StageBase]:
    if name.startswith("_"):
        raise AttributeError(name)
    registry = get_registry()
    try:
        spec = registry.spec(name)
    except SonitusError as exc:  # also a broken plugin: `from sonitus.dsl import music` must still import
        raise AttributeError(f"module 'sonitus.dsl' has no attribute {name!r}: {exc}") from None

    def build(**options: Any) -> StageBase:
        return registry.stage(spec.name, **options)

    build.__name__ = name
    build.__doc__ = spec.description
    return build
