"""Manifests: the ``path<TAB>label`` text files that list a dataset's audio and what it says.

One row a line: an audio path (relative paths resolve against the manifest's folder), a tab,
and the label (a transcript, a word). Blank lines and lines starting with ``#`` are skipped.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "train.tsv")
>>> _ = write_manifest(path, [("wav/a.wav", "turn left")])
>>> read_manifest(path)[0][1]
'turn left'
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from .atomic import atomic_write_text
from .errors import DatasetError, ParameterError

__all__ = ["read_manifest", "write_manifest", "read_phrases"]


def read_manifest(path: str | os.PathLike[str], *, make_hint: str = "",
                  allow_empty: bool = False) -> list[tuple[str, str]]:
    """``(audio path, label)`` rows of a manifest; one without rows is an error unless ``allow_empty``.

    ``make_hint`` finishes the error sentence when the file is missing, e.g.
    ``"build it with 'sonitus generate tts-speech'"``.
    """
    path = Path(path)
    if not path.is_file():
        hint = make_hint or "check the path"
        raise DatasetError(f"Manifest {path} does not exist; {hint}.")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if "\t" not in line:
            raise DatasetError(f"{path}:{number}: expected 'path<TAB>label', got {line[:60]!r}.")
        audio, label = line.split("\t", 1)
        audio_path = Path(audio)
        rows.append((str(audio_path if audio_path.is_absolute() else path.parent / audio_path), label.strip()))
    if not rows and not allow_empty:
        raise DatasetError(f"Manifest {path} lists no utterances; it needs 'path<TAB>label' lines.")
    return rows


def write_manifest(path: str | os.PathLike[str], rows: Iterable[tuple[str, str]]) -> Path:
    """Write ``(audio path, label)`` rows atomically; returns the path."""
    lines = []
    for audio, label in rows:
        if "\t" in str(audio) or "\n" in label or "\t" in label:
            raise DatasetError(f"A manifest row cannot hold tabs or newlines: {audio!r}, {label!r}.")
        lines.append(f"{audio}\t{label}\n")
    return atomic_write_text(path, "".join(lines))


def read_phrases(path: str | os.PathLike[str]) -> list[str]:
    """The phrases of a grammar file (``--grammar``): one a line, blank lines and ``#`` comments
    skipped; a JSGF grammar or a file without phrases is an error."""
    path = Path(path)
    if not path.exists():
        raise ParameterError(f"Grammar file {path} does not exist; give one phrase per line.")
    text = path.read_text(encoding="utf-8", errors="replace")
    if text.lstrip().startswith("#JSGF"):
        raise ParameterError(f"{path} is a JSGF grammar; sonitus reads a list of phrases, one a line "
                             "(write out the sentences the grammar allows).")
    phrases = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not phrases:
        raise ParameterError(f"Grammar file {path} has no phrases; give one phrase per line (an empty "
                             "grammar would mean free decoding: leave out --grammar for that).")
    unsayable = [p for p in phrases if not any(unicodedata.category(c)[0] in "LN" for c in p)]
    if unsayable:
        raise ParameterError(f"Grammar file {path}: {unsayable[0]!r} has no letters or digits, so nobody can say "
                             "it; a phrase is the words of a command (one a line).")
    return phrases
