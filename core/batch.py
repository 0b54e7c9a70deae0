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

import ast
import contextlib
import glob
import hashlib
import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .atomic import disk_full
from .errors import DiskFullError, ParameterError, SonitusError
from .pipeline import Pipeline
from .stages import type_name

__all__ = ["parse_pipeline", "expand_inputs", "run_dataset", "reader_for", "runnable_for", "run_batch", "AUDIO_SUFFIXES"]

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".aiff", ".aif", ".mp3", ".opus")
MIDI_SUFFIXES = (".mid", ".midi")


#: the longest pipeline text sonitus reads
MAX_PIPELINE_CHARS = 10_000


def parse_pipeline(text: str) -> Pipeline:
    """A pipeline from text such as ``"to-mono >> resample(sample_rate=16000) >> ctc"``: stage
    names joined by ``>>``, each with optional keyword options whose values are literals
    (numbers, strings, booleans, None). Read by a parser, never evaluated."""
    from .registry import get_registry

    if len(text) > MAX_PIPELINE_CHARS:
        raise ParameterError(f"pipeline text is {len(text):,} characters long; a pipeline is at most "
                             f"{MAX_PIPELINE_CHARS:,} (stage names and a few options).")
    parts = _split_top_level(text)
    if not parts or any(not p.strip() for p in parts):
        raise ParameterError(f"pipeline {text!r}: expected stage names joined by '>>', e.g. 'to-mono >> logmel'.")
    registry = get_registry()
    return Pipeline([registry.stage(name, **options) for name, options in (_stage_call(p.strip()) for p in parts)])


def _split_top_level(text: str) -> list[str]:
    parts, depth, start, quote = [], 0, 0, ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif text.startswith(">>", i) and depth == 0:
            parts.append(text[start:i])
            start = i + 2
            i += 1
        i += 1
    parts.append(text[start:])
    return parts


def _stage_call(text: str) -> tuple[str, dict[str, Any]]:
    name, _, rest = text.partition("(")
    name = name.strip()
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ParameterError(f"pipeline: {text!r} is not a stage name (letters, digits, '-', '_').")
    if not rest:
        return name, {}
    if not rest.rstrip().endswith(")"):
        raise ParameterError(f"pipeline: {text!r} is missing its closing ')'.")
    try:
        call = ast.parse(f"f({rest.rstrip()[:-1]})", mode="eval").body
    except SyntaxError as exc:
        raise ParameterError(f"pipeline: cannot read the options of {text!r} ({exc.msg}); write "
                             "name(option=value, ...).") from None
    except (RecursionError, MemoryError):
        raise ParameterError(f"pipeline: the options of {name} nest too deeply to read; write "
                             "name(option=value, ...) with plain values.") from None
    if call.args:
        raise ParameterError(f"pipeline: {text!r}: options are given by name, e.g. resample(sample_rate=16000).")
    options = {}
    for keyword in call.keywords:
        try:
            options[keyword.arg] = ast.literal_eval(keyword.value)
        except (ValueError, RecursionError, MemoryError):
            raise ParameterError(f"pipeline: option {keyword.arg} of {name} must be a number, string, True, "
                                 f"False or None, not {ast.unparse(keyword.value)!r}.") from None
    return name, options


def expand_inputs(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files from paths, folders (audio and MIDI files inside, recursively), glob patterns and
    manifests (``.tsv``: the first column), in order, each once."""
    from .manifests import read_manifest

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


def runnable_for(pipeline: Pipeline) -> Pipeline:
    """``pipeline`` as it runs on a path: as it is when it starts with a reader (``load(...) >> ...``,
    ``load-song``: its options are the reader's), else after the reader of what it consumes."""
    takes = pipeline.consumes if isinstance(pipeline.consumes, tuple) else (pipeline.consumes,)
    if str in takes or os.PathLike in takes:
        return pipeline
    return reader_for(pipeline) >> pipeline


def reader_for(pipeline: Pipeline):
    """The stage that turns a path into what ``pipeline`` consumes (audio or a MIDI score)."""
    from .audio import Audio
    from .score import Score
    from .stages import FunctionStage, types_fit

    if types_fit(Audio, pipeline.consumes):
        from .registry import get_registry

        return get_registry().stage("load")
    if types_fit(Score, pipeline.consumes):
        return FunctionStage("load-midi", Score.load, consumes=(str, os.PathLike), produces=Score)
    raise ParameterError(f"sonitus batch reads audio and MIDI files; pipeline {pipeline.name!r} starts with a "
                         f"stage that takes {type_name(pipeline.consumes)}: start it with a stage that takes "
                         "Audio or a Score, or with a reader such as load(sample_rate=16000).")


def _row(path: Path, value: Any, files: Path) -> dict[str, Any]:
    import numpy as np

    from .audio import Audio
    from .score import Score
    from .values import Features, Transcript

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
        from .atomic import atomic_path

        with atomic_path(files / f"{stem}.npy") as tmp:
            np.save(tmp, np.asarray(value.data))
        return {"output": str(files / f"{stem}.npy"), "shape": list(np.shape(value.data)), "kind": value.kind}
    if isinstance(value, os.PathLike):
        return {"output": str(value)}
    raise ParameterError(f"sonitus batch cannot store a {type(value).__name__}; end the pipeline with a stage that "
                         "makes a Transcript, text, Audio, a Score or Features.")


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
    from .atomic import check_destination

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
    from .progress import track

    done = {os.path.realpath(p) for p in _done_paths(out, retry_errors) if p}
    todo = [p for p in paths if os.path.realpath(p) not in done]
    counts = {"done": 0, "skipped": len(paths) - len(todo), "errors": 0}
    start = time.time()
    if backend == "ray":
        from .batch_ray import ray_rows

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
