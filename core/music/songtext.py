"""Songs in plain text: a header of settings, then one block of mini-notation per track.

::

    # My song
    tempo: 96
    meter: 3/4
    key: C major

    [melody: flute]
    E5/4 D5/8 C5/8 | D5/2.

    [chords: piano]
    @C/2. @G/2.

    [drums]
    kick/4 hat hat | kick/4 hat hat

A block header is ``[name]`` (the instrument is the name) or ``[name: instrument]``;
the instrument ``drums`` (or a block called ``drums``) makes a drum track. The text is
parsed, never evaluated; errors give the file's line and column.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sonitus.errors import DSLSyntaxError, ParameterError

from .notation import parse_phrase
from .song import Song, Track, instrument_program, new_song

_HEADER = re.compile(r"^\s*\[\s*([^\]:]+?)\s*(?::\s*([^\]]+?)\s*)?\]\s*$")
#: a comment starts with '#' at the start of a line or after a space ('C#' and 'key: F# minor' are not comments)
_COMMENT = re.compile(r"(?:^|\s)#")
_SETTING = re.compile(r"^\s*(tempo|meter|key)\s*:\s*(.+?)\s*$", re.IGNORECASE)


def read_song_text(path: str | os.PathLike[str]) -> Song:
    """The song in the text file ``path``; a missing or binary file is a sentence, not a traceback."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"{path} {'is a folder' if path.is_dir() else 'does not exist'}; give a song file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{path} is not a text file (byte {exc.start} is not UTF-8); give a song in the "
                             "music notation (.txt) or a Python song script (.py).") from exc
    return parse_song_text(text)


def parse_song_text(text: str) -> Song:
    """Read a song from the text format above."""
    settings: dict[str, str] = {}
    blocks: list[tuple[str, str, int, list[str]]] = []
    lines = text.removeprefix("\ufeff").splitlines()  # a byte-order mark from Windows editors
    for number, line in enumerate(lines, 1):
        stripped = _COMMENT.split(line, 1)[0].strip()
        header = _HEADER.match(line)
        if header:
            name, instrument = header.group(1), header.group(2) or header.group(1)
            blocks.append((name, instrument, number, []))
        elif blocks:
            blocks[-1][3].append(line)
        elif stripped:
            setting = _SETTING.match(stripped)
            if not setting:
                raise DSLSyntaxError(f"unexpected {stripped!r} before the first [track] block", line=number,
                                     column=len(line) - len(line.lstrip()) + 1,
                                     expected="tempo:, meter:, key: or a [track] header", source=text)
            key = setting.group(1).lower()
            if key in settings:  # the second would win in silence; tempo changes belong in the DSL (.py)
                raise DSLSyntaxError(f"{key}: is set twice (first {settings[key]!r}, then {setting.group(2)!r})",
                                     line=number, column=len(line) - len(line.lstrip()) + 1,
                                     expected=f"one {key}: line", source=text)
            settings[key] = setting.group(2)
    if not blocks:
        raise DSLSyntaxError("no tracks", line=max(1, len(lines)), column=1, expected="a [track] header",
                             source=text)
    # each setting is checked where it is parsed, and its error names it
    song = new_song(tempo=settings.get("tempo", "120"), meter=settings.get("meter", "4/4"), key=settings.get("key"))
    for name, instrument, number, body in blocks:
        drums = instrument.lower() == "drums" or name.lower() == "drums"
        padded = "\n" * number + "\n".join(body)  # keep the file's line numbers in errors
        try:
            phrase = parse_phrase(padded, key=song.key, drums=drums)
        except DSLSyntaxError as exc:
            raise DSLSyntaxError(str(exc).split(" at line")[0], line=exc.line, column=exc.column,
                                 expected=exc.expected, source=text) from None
        song = song + Track(name, phrase, 0 if drums else instrument_program(instrument), drums)
    return song
