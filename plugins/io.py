"""Built-in I/O plugin: the stages that start and end pipelines, ``load``, ``save`` and ``text``
(a Transcript as plain text, or as a txt/json/srt/vtt file's text, which ``save`` writes).

The DSL's ``load()``, ``save()`` and ``text()`` build these through the registry, so they are
listed by ``sonitus stages`` and a plugin may register more readers and writers (an MP3
decoder, a subtitle writer) with the same ``register_io`` hook.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sonitus import Audio, Score, Transcript, hookimpl
from sonitus.atomic import atomic_write_text, check_destination
from sonitus.errors import ParameterError
from sonitus.stages import StageBase
from sonitus.transcript_formats import FORMATS, SUFFIXES, format_transcript

__all__ = ["Load", "Save", "Text"]


class Load(StageBase):
    """An audio file -> Audio: the file given when built, or (with no path) the path it is given."""

    name = "load"
    consumes = (str, os.PathLike, type(None))
    produces = Audio

    def __init__(self, path: str | os.PathLike[str] | None = None, sample_rate: int | None = None,
                 mono: bool = False) -> None:
        self.path, self.sample_rate, self.mono = path, sample_rate, mono
        self.consumes = None if path is not None else (str, os.PathLike)

    def __call__(self, value: Any = None) -> Audio:
        return Audio.load(self.path if self.path is not None else value, sample_rate=self.sample_rate,
                          mono=self.mono)


class Save(StageBase):
    """Audio -> a sound file (.wav, .flac, ...), Score -> a MIDI file, text -> a text file
    (.txt, .json, .srt, .vtt: what ``text(format=...)`` gives), written atomically; the
    destination is checked when the stage is built, before any work."""

    name = "save"
    consumes = (Audio, Score, str)
    produces = Path

    def __init__(self, path: str | os.PathLike[str], options: dict[str, Any]) -> None:
        self.path = check_destination(path)
        self.options = options

    def __call__(self, value: Any) -> Path:
        suffix = self.path.suffix.lower()
        if isinstance(value, str):
            if suffix not in SUFFIXES:
                raise ParameterError(f"Text is saved as {', '.join(SUFFIXES)}: name the file so, not {self.path.name}.")
            atomic_write_text(self.path, value)
            return self.path
        if isinstance(value, Score) and suffix not in (".mid", ".midi"):
            raise ParameterError(f"A Score is saved as MIDI: name the file .mid, not {self.path.name}, "
                                 f"or render it to audio first.")
        value.save(self.path, **self.options)
        return self.path


class Text(StageBase):
    """Transcript -> its plain text, or (``format``) the text of a txt, json, srt or vtt file."""

    name = "text"
    consumes = Transcript
    produces = str

    def __init__(self, format: str | None = None, path: str | None = None) -> None:
        if format is not None and format not in FORMATS:
            raise ParameterError(f"text: format must be one of {', '.join(FORMATS)}, not {format!r}.")
        self.format, self.path = format, path

    def __call__(self, value: Transcript) -> str:
        if self.format is None:
            return value.text
        return format_transcript(value, self.format, path=self.path)


def load(path: str | None = None, sample_rate: int | None = None, mono: bool = False) -> Load:
    """Read an audio file (any format libsndfile reads) as Audio; with no path, the path it is given."""
    return Load(path, sample_rate, mono)


def save(path: str, subtype: str | None = None, format: str | None = None) -> Save:
    """Write Audio (.wav, .flac, .ogg; subtype e.g. PCM_24), a Score (.mid) or text (.txt, .json,
    .srt, .vtt) atomically."""
    options = {k: v for k, v in (("subtype", subtype), ("format", format)) if v is not None}
    return Save(path, options)


def text(format: str | None = None, path: str | None = None) -> Text:
    """The plain text of a Transcript; with ``format`` (txt, json, srt, vtt) the text of that
    file (``path``: the audio's, recorded in JSON), which ``save("x.srt")`` writes."""
    return Text(format, path)


@hookimpl
def register_io(register):
    register(Load, factory=load)
    register(Save, factory=save)
    register(Text, factory=text)
