"""Built-in I/O plugin: the stages that start and end pipelines, ``load``, ``save`` and ``text``.

The DSL's ``load()``, ``save()`` and ``text()`` build these through the registry, so they are
listed by ``sonitus stages`` and a plugin may register more readers and writers (an MP3
decoder, a subtitle writer) with the same ``register_io`` hook.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sonitus import Audio, Score, Transcript, hookimpl
from sonitus.errors import ParameterError
from sonitus.stages import StageBase

__all__ = ["Load", "Save", "Text"]


class Load(StageBase):
    """An audio file -> Audio: the file given when built, or (with no path) the path it is given."""

    name = "load"
    produces = Audio

    def __init__(self, path: str | os.PathLike[str] | None = None, sample_rate: int | None = None,
                 mono: bool = False) -> None:
        self.path, self.sample_rate, self.mono = path, sample_rate, mono
        self.consumes = None if path is not None else (str, os.PathLike)

    def __call__(self, value: Any = None) -> Audio:
        return Audio.load(self.path if self.path is not None else value, sample_rate=self.sample_rate,
                          mono=self.mono)


class Save(StageBase):
    """Audio -> a sound file (.wav, .flac, ...), Score -> a MIDI file, written atomically; the
    destination is checked when the stage is built, before any work."""

    name = "save"
    consumes = (Audio, Score)
    produces = Path

    def __init__(self, path: str | os.PathLike[str], options: dict[str, Any]) -> None:
        from sonitus.atomic import check_destination

        self.path = check_destination(path)
        self.options = options

    def __call__(self, value: Any) -> Path:
        if isinstance(value, Score) and self.path.suffix.lower() not in (".mid", ".midi"):
            raise ParameterError(f"A Score is saved as MIDI: name the file .mid, not {self.path.name}, "
                                 f"or render it to audio first.")
        value.save(self.path, **self.options)
        return self.path


class Text(StageBase):
    """Transcript -> its plain text."""

    name = "text"
    consumes = Transcript
    produces = str

    def __call__(self, value: Transcript) -> str:
        return value.text


def load(path: str | None = None, sample_rate: int | None = None, mono: bool = False) -> Load:
    """Read an audio file (any format libsndfile reads) as Audio; with no path, the path it is given."""
    return Load(path, sample_rate, mono)


def save(path: str, subtype: str | None = None, format: str | None = None) -> Save:
    """Write Audio (.wav, .flac, .ogg; subtype e.g. PCM_24) or a Score (.mid) atomically."""
    options = {k: v for k, v in (("subtype", subtype), ("format", format)) if v is not None}
    return Save(path, options)


def text() -> Text:
    """The plain text of a Transcript."""
    return Text()


@hookimpl
def register_io(register):
    register("load", load, consumes=(str, os.PathLike, type(None)), produces=Audio)
    register("save", save, consumes=(Audio, Score), produces=Path)
    register("text", text, consumes=Transcript, produces=str)
