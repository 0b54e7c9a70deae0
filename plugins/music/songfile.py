"""Reading a song file as a Score: a Python script that builds a Song with the DSL, a text file
in the song notation (:mod:`.textfile`) or a standard MIDI file. The ``load-song`` stage
(a path -> Score) and ``sonitus compose`` read songs here.

>>> score = get_registry().stage("load-song")("tune.txt")        # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from sonitus import Score
from sonitus.stages import StageBase

__all__ = ["read_song_file", "SongLoader"]

MIDI_SUFFIXES = (".mid", ".midi")
#: set (to anything but "" or "0") to refuse Python song scripts everywhere, as --text-only does
TEXT_ONLY_ENV = "SONITUS_TEXT_ONLY"


def read_song_file(path: str | os.PathLike[str], *, text_only: bool = False) -> Score:
    """The Score of a song file (.py, .txt or .mid), with errors that say what to fix.

    A ``.py`` song is a program and runs with the caller's permissions; ``text_only=True`` (or
    the environment variable ``SONITUS_TEXT_ONLY=1``) refuses it, for songs you did not write.
    """
    from sonitus.errors import ParameterError
    from sonitus.music import Song

    path = Path(path)
    if path.suffix.lower() in MIDI_SUFFIXES:
        return Score.load(path)
    if path.suffix == ".py" and (text_only or os.environ.get(TEXT_ONLY_ENV, "") not in ("", "0")):
        why = "--text-only" if text_only else f"{TEXT_ONLY_ENV} is set"
        raise ParameterError(f"{path} is a Python song script, which would run as a program; {why}, so only song "
                             "notation (.txt) and MIDI files are read.")
    song = _read_song(path)
    return song.to_score() if isinstance(song, Song) else song


def _read_song(path: Path):
    from sonitus.errors import DSLSyntaxError, ParameterError, SonitusError
    from sonitus.music import Song

    if not path.exists():
        raise ParameterError(f"{path} does not exist; give a song file (.py, .txt or .mid).")
    if path.suffix == ".py":
        import runpy

        try:
            namespace = runpy.run_path(str(path), run_name="__sonitus_compose__")
        except SyntaxError as exc:
            raise ParameterError(f"{path}, line {exc.lineno}: Python syntax error ({exc.msg}); fix the song "
                                 "script and run compose again.") from exc
        except SystemExit as exc:
            line = _line_in(exc, path)
            raise ParameterError(f"{path}{f', line {line}' if line else ''} called exit (SystemExit {exc.code!r}); a song "
                                 "script must not exit: leave the Song in a variable called `song`.") from None
        except SonitusError as exc:
            line = _line_in(exc, path)
            if line is not None and exc.args:
                inside = " (in its notation)" if isinstance(exc, DSLSyntaxError) else ""
                exc.args = (f"{path}, line {line}{inside}: {exc.args[0]}",) + exc.args[1:]
            raise
        except Exception as exc:
            raise ParameterError(f"{path} failed while building the song: {type(exc).__name__}: {exc} "
                                 "(rerun with --debug for the traceback).") from exc
        found = namespace.get("song")
        if found is None:
            songs = {k: v for k, v in namespace.items() if isinstance(v, (Song, Score)) and not k.startswith("_")}
            if len(songs) > 1:
                raise ParameterError(f"{path} builds {len(songs)} songs ({', '.join(songs)}) and none is called "
                                     f"`song`: assign the one to compose to `song` (e.g. song = {next(iter(songs))}).")
            found = next(iter(songs.values()), None)
        if not isinstance(found, (Song, Score)):
            raise ParameterError(f"{path} defines no song: assign a Song built with sonitus.dsl.music to a "
                                 f"variable called `song`.")
        return found
    from sonitus.music.songtext import read_song_text

    return read_song_text(path)


def _line_in(exc: BaseException, path: Path) -> int | None:
    """The line of the song script where ``exc`` was raised from (its deepest frame in the file)."""
    import traceback

    target = str(path.resolve())
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__)
             if frame.filename and Path(frame.filename).resolve() == Path(target)]
    return lines[-1] if lines else None


class SongLoader(StageBase):
    """A path (str or PathLike) -> Score: a song file read by :func:`read_song_file`; with
    ``path`` set, it ignores its input (so it can start a pipeline). ``text_only=True`` refuses
    Python song scripts (use it on files you did not write)."""

    name = "load-song"
    consumes = (str, os.PathLike, type(None))
    produces = Score

    def __init__(self, path: str | os.PathLike[str] | None = None, text_only: bool = False):
        self.path = path
        self.text_only = bool(text_only)

    @property
    def options(self) -> dict:
        return {"path": None if self.path is None else str(self.path), "text_only": self.text_only}

    def __call__(self, value=None) -> Score:
        from sonitus.errors import ParameterError

        path = self.path if self.path is not None else value
        if path is None:
            raise ParameterError("load-song needs a path: load-song(path='tune.txt') or a path as its input.")
        return read_song_file(path, text_only=self.text_only)
