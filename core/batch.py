"""Run a pipeline over many files: one JSON line a file, resumable, a bad file never stops it.

>>> from sonitus.batch import parse_pipeline, run_dataset              # doctest: +SKIP
>>> pipeline = parse_pipeline("to-mono >> resample(sample_rate=16000) >> ctc")
>>> run_dataset(pipeline, ["a.wav", "b.wav"], "out.jsonl")
{'done': 2, 'skipped': 0, 'errors': 0, 'seconds': 1.9}

Each row is ``{"path", "ok", "seconds", ...}`` plus the result: ``text`` and ``words`` for a
Transcript, ``text`` for a string, and ``output`` for Audio, Score and Features, which are
written beside the JSONL file (``OUT.files/NAME-HASH.wav|.mid|.npy``). A failed file gets
``"ok": false`` and ``"error"``: the sentence sonitus raised. Rows are appended and flushed
one at a time, so a killed run loses at most the file it was on; run it again and it skips
every file that already has a row (``retry_errors=True`` redoes the failed ones).
``backend="ray"`` computes the same rows on a pool of Ray workers (:mod:`sonitus.batch_ray`).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .atomic import check_destination, disk_full
from .batch_ray import ray_rows
from .batch_rows import reader_for, run_batch, runnable_for
from .errors import DiskFullError, ParameterError
from .manifests import read_manifest
from .pipeline import Pipeline
from .progress import track
from .recipes import parse_pipeline

__all__ = ["parse_pipeline", "expand_inputs", "run_dataset", "reader_for", "runnable_for", "run_batch", "AUDIO_SUFFIXES"]

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".aiff", ".aif", ".mp3", ".opus")
MIDI_SUFFIXES = (".mid", ".midi")


def expand_inputs(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files from paths, folders (audio and MIDI files inside, recursively), glob patterns and
    manifests (``.tsv``: the first column), in order, each once."""

    found: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(text)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES + MIDI_SUFFIXES)
        elif path.suffix.lower() == ".tsv" and path.is_file():
            found += [Path(p) for p, _ in read_manifest(path)]
        elif any(c in text for c in "*?[") and not path.exists():
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise ParameterError(f"{text} matches no file.")
            found += [Path(m) for m in matches]
        else:
            found.append(path)
    seen: set[str] = set()  # one file given as relative, absolute and symlinked path is one file
    return [p for p in found if not (os.path.realpath(p) in seen or seen.add(os.path.realpath(p)))]


def _done_paths(out: Path, retry_errors: bool) -> set[str]:
    """The inputs ``out`` already has rows for (failed ones too unless ``retry_errors``). A file
    that is not a batch output (a line that is not a row) is refused, not appended to."""
    if not out.exists():
        return set()
    done = set()
    with open(out, "rb") as f:
        for number, line in enumerate(f, 1):
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                row = None
            if not isinstance(row, dict) or not isinstance(row.get("path"), str):
                raise ParameterError(f"{out} is not a sonitus batch output (line {number} is not a row with a "
                                     "path), so no rows were added to it; give another output file.")
            if row.get("ok") or not retry_errors:
                done.add(row["path"])
    return done


def run_dataset(pipeline: Pipeline, inputs: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], *,
                batch_size: int = 16, retry_errors: bool = False, progress: bool | None = None,
                backend: str = "local", address: str | None = None, workers: int | None = None) -> dict[str, Any]:
    """Run ``pipeline`` over every file of ``inputs`` (see :func:`expand_inputs`), appending one
    JSON row a file to ``out``; returns counts (``done``, ``skipped``, ``errors``) and seconds.

    ``backend="local"`` runs in this process; ``backend="ray"`` on a pool of Ray workers
    (``workers`` of them, one a CPU by default), on a local Ray or on the cluster at
    ``address`` (see :mod:`sonitus.batch_ray`). Both write the same rows."""

    if backend not in ("local", "ray"):
        raise ParameterError(f"backend must be 'local' or 'ray', not {backend!r}.")
    if workers is not None and workers < 1:
        raise ParameterError(f"workers must be at least 1, not {workers}.")
    out = check_destination(out)
    files = out.with_name(out.name + ".files")
    paths = expand_inputs(inputs)
    given = {os.path.realpath(p) for p in paths} | {os.path.realpath(str(i)) for i in inputs}
    if os.path.realpath(out) in given:
        raise ParameterError(f"The output {out} is one of the inputs; write the rows to a new .jsonl file.")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ParameterError(f"{len(missing)} of {len(paths)} inputs do not exist ({', '.join(missing[:3])}"
                             f"{', ...' if len(missing) > 3 else ''}); nothing was run.")
    if not paths:
        raise ParameterError(f"No audio or MIDI files in {', '.join(map(str, inputs)) or 'the inputs'} "
                             f"({', '.join(AUDIO_SUFFIXES + MIDI_SUFFIXES)}); nothing was run.")
    runnable = runnable_for(pipeline)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _only_writer(out) as sink:
        _drop_torn_line(out)
        return _run_rows(pipeline, runnable, paths, out, sink, files, batch_size=batch_size,
                         retry_errors=retry_errors, progress=progress, backend=backend, address=address,
                         workers=workers)


@contextlib.contextmanager
def _only_writer(out: Path):
    """The output opened for appending and locked (``flock``) while rows are written, so that a
    second run on the same output is refused instead of writing every row twice."""
    import fcntl

    with open(out, "a", encoding="utf-8") as sink:
        try:
            fcntl.flock(sink.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ParameterError(f"Another sonitus batch is writing {out}; wait for it to finish or choose "
                                 "another output.") from None
        yield sink


def _drop_torn_line(out: Path) -> None:
    """Cut a last line that a killed run left half written, so that new rows start on a line of their own."""
    with open(out, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        os.truncate(out, data.rfind(b"\n") + 1)


def _run_rows(pipeline: Pipeline, runnable: Pipeline, paths: list[Path], out: Path, sink, files: Path, *,
              batch_size: int, retry_errors: bool, progress: bool | None, backend: str, address: str | None,
              workers: int | None) -> dict[str, Any]:
    done = {os.path.realpath(p) for p in _done_paths(out, retry_errors) if p}
    todo = [p for p in paths if os.path.realpath(p) not in done]
    counts = {"done": 0, "skipped": len(paths) - len(todo), "errors": 0}
    start = time.time()
    if backend == "ray":
        rows = ray_rows(pipeline, todo, files, batch_size=batch_size, address=address, workers=workers)
    else:
        rows = (row for i in range(0, len(todo), batch_size) for row in run_batch(runnable, todo[i:i + batch_size],
                                                                                   files))
    try:
        for path, row in track(rows, description=f"{pipeline.name} ({len(todo)} files)", total=len(todo),
                               disable=None if progress is None else not progress):
            sink.write(json.dumps({"path": str(path), **row}) + "\n")
            sink.flush()
            counts["done" if row["ok"] else "errors"] += 1
    except (DiskFullError, OSError) as exc:
        if not disk_full(exc):
            raise
        raise DiskFullError(f"The disk filled up while writing {out} or its files, after {counts['done']} files "
                            f"done and {counts['errors']} failed; free some space and run the same command again "
                            "(it goes on from there; nothing partial was kept).") from None
    counts["seconds"] = round(time.time() - start, 2)
    return counts


