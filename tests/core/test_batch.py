"""sonitus batch: pipeline text, inputs, error rows, outputs beside the JSONL, resuming."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sonitus.batch import expand_inputs, parse_pipeline, run_dataset
from sonitus.errors import ParameterError, UnknownStageError


def _clips(folder, count, seconds=0.25):
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(16000 * seconds)) / 16000
    for i in range(count):
        sf.write(folder / f"c{i:03d}.wav", 0.3 * np.sin(2 * np.pi * (200 + 20 * i) * t), 16000)
    return sorted(folder.glob("*.wav"))


def test_pipeline_text_is_parsed_not_evaluated():
    pipeline = parse_pipeline("to-mono >> resample(sample_rate=8000) >> logmel(n_mels=40, top_db=None)")
    assert [s.name for s in pipeline.stages] == ["to-mono", "resample", "logmel"]
    with pytest.raises(ParameterError, match="must be a number, string"):
        parse_pipeline("resample(sample_rate=__import__('os').getpid())")
    with pytest.raises(ParameterError, match="given by name"):
        parse_pipeline("resample(16000)")
    with pytest.raises(ParameterError, match="stage names joined by '>>'"):
        parse_pipeline("to-mono >> >> logmel")
    with pytest.raises(UnknownStageError, match="logmel"):
        parse_pipeline("logmell")
    with pytest.raises(ParameterError, match="at most 10,000"):
        parse_pipeline("resample(sample_rate=" + "-" * 100_000 + "1)")
    with pytest.raises(ParameterError, match="nest too deeply"):
        parse_pipeline("resample(sample_rate=" + "-" * 5_000 + "1)")


def test_inputs_come_from_files_folders_globs_and_manifests(tmp_path):
    clips = _clips(tmp_path / "a", 3)
    (tmp_path / "list.tsv").write_text(f"{clips[0]}\tone\n{tmp_path / 'b.wav'}\ttwo\n")
    found = expand_inputs([str(tmp_path / "a"), str(tmp_path / "a" / "c00*.wav"), str(tmp_path / "list.tsv")])
    assert found == [*clips, tmp_path / "b.wav"]  # each once, in order
    with pytest.raises(ParameterError, match="matches no file"):
        expand_inputs([str(tmp_path / "none*.wav")])


def test_bad_files_become_error_rows_and_outputs_go_beside(tmp_path):
    clips = _clips(tmp_path / "in", 3)
    (tmp_path / "in" / "broken.wav").write_bytes(b"not audio")
    out = tmp_path / "mels.jsonl"
    counts = run_dataset(parse_pipeline("logmel(n_mels=32)"), [tmp_path / "in"], out, batch_size=2, progress=False)
    assert counts["done"] == 3 and counts["errors"] == 1
    rows = {json.loads(line)["path"]: json.loads(line) for line in out.read_text().splitlines()}
    assert not rows[str(tmp_path / "in" / "broken.wav")]["ok"]
    assert "not an audio file" in rows[str(tmp_path / "in" / "broken.wav")]["error"]
    first = rows[str(clips[0])]
    assert first["ok"] and first["shape"][1] == 32 and np.load(first["output"]).shape == tuple(first["shape"])  # [frames, n_mels]
    again = run_dataset(parse_pipeline("logmel(n_mels=32)"), [tmp_path / "in"], out, progress=False)
    assert again["done"] == 0 and again["skipped"] == 4
    retried = run_dataset(parse_pipeline("logmel(n_mels=32)"), [tmp_path / "in"], out, retry_errors=True,
                          progress=False)
    assert retried["errors"] == 1 and retried["skipped"] == 3


def test_a_pipeline_may_start_with_its_reader_and_nothing_runs_on_missing_inputs(tmp_path):
    from cli_helpers import run_cli
    from sonitus import Audio

    clips = _clips(tmp_path / "in", 2)
    out = tmp_path / "low.jsonl"
    counts = run_dataset(parse_pipeline("load(sample_rate=8000) >> normalize"), clips, out, progress=False)
    assert counts["done"] == 2
    row = json.loads(out.read_text().splitlines()[0])
    assert Audio.load(row["output"]).sample_rate == 8000  # the reader's own option
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParameterError, match="No audio or MIDI files in"):
        run_dataset(parse_pipeline("normalize"), [tmp_path / "empty"], tmp_path / "e.jsonl", progress=False)
    with pytest.raises(ParameterError, match="1 of 3 inputs do not exist"):
        run_dataset(parse_pipeline("normalize"), [*clips, tmp_path / "gone.wav"], tmp_path / "m.jsonl", progress=False)
    assert not (tmp_path / "e.jsonl").exists() and not (tmp_path / "m.jsonl").exists()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.wav").write_bytes(b"not audio")
    failed = run_cli("batch", "normalize", str(tmp_path / "bad"), "-o", str(tmp_path / "f.jsonl"))
    assert failed.returncode == 1 and "0 done, 1 errors" in failed.stdout and "1 file(s) failed" in failed.stderr
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "x.wav").write_bytes(b"not audio")
    _clips(mixed, 1)
    assert run_cli("batch", "normalize", str(mixed), "-o", str(tmp_path / "g.jsonl")).returncode == 1
    going = run_cli("batch", "normalize", str(mixed), "-o", str(tmp_path / "k.jsonl"), "--keep-going")
    assert going.returncode == 0 and "1 done, 1 errors" in going.stdout
    text = run_cli("batch", "text", str(tmp_path / "in"), "-o", str(tmp_path / "t.jsonl"))
    assert text.returncode == 1 and "load(sample_rate=16000)" in text.stderr


def test_rows_are_never_lost_or_written_twice(tmp_path):
    import fcntl

    clips = _clips(tmp_path / "in", 3)
    out = tmp_path / "rows.jsonl"
    run_dataset(parse_pipeline("normalize"), clips[:1], out, progress=False)
    with open(out, "a") as f:  # a run killed in the middle of writing a row
        f.write('{"path": "' + str(clips[1]) + '", "ok": tr')
    run_dataset(parse_pipeline("normalize"), clips, out, progress=False)
    rows = [json.loads(line) for line in out.read_text().splitlines()]  # every line whole
    assert sorted(r["path"] for r in rows) == sorted(map(str, clips)) and all(r["ok"] for r in rows)
    # one file by three spellings is one file
    link = tmp_path / "link.wav"
    link.symlink_to(clips[0])
    relative = os.path.relpath(clips[0])
    counts = run_dataset(parse_pipeline("normalize"), [clips[0], relative, link], tmp_path / "once.jsonl",
                         progress=False)
    assert counts["done"] == 1
    # the output may not be an input, and two runs may not write one output at once
    manifest = tmp_path / "list.tsv"
    manifest.write_text(f"{clips[0]}\tone\n")
    with pytest.raises(ParameterError, match="is one of the inputs"):
        run_dataset(parse_pipeline("normalize"), [manifest], manifest, progress=False)
    assert manifest.read_text() == f"{clips[0]}\tone\n"
    with open(out, "a") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        with pytest.raises(ParameterError, match="Another sonitus batch is writing"):
            run_dataset(parse_pipeline("normalize"), clips, out, retry_errors=True, progress=False)


def _ray_or_skip():
    try:
        import ray  # noqa: F401
    except ImportError:
        pytest.skip("Ray is not installed here (pip install 'sonitus[ray]'); the ray backend cannot run.")


@pytest.mark.parametrize("backend", ["local", "ray"])
def test_a_killed_run_resumes_without_redoing_finished_files(tmp_path, backend):
    if backend == "ray":
        _ray_or_skip()
    _clips(tmp_path / "in", 60)
    out = tmp_path / "rows.jsonl"
    command = [sys.executable, "-m", "sonitus", "batch", "pre-emphasis >> mfcc(n_mfcc=13, n_mels=40)",
               str(tmp_path / "in"), "-o", str(out), "--batch-size", "1"]
    if backend == "ray":
        command += ["--backend", "ray", "--workers", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 5):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGTERM)
    proc.communicate(timeout=60)
    finished = len(out.read_text().splitlines())
    assert 5 <= finished < 60, finished
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"{60 - finished} done" in result.stdout and f"{finished} skipped" in result.stdout
    paths = [json.loads(line)["path"] for line in out.read_text().splitlines()]
    assert len(paths) == len(set(paths)) == 60


def test_kill_9_at_random_moments_leaves_exactly_one_row_per_input(tmp_path, files=500, kills=20):
    """SIGKILL (no handler runs) at random moments, 20 times, then a run to the end: every
    input has exactly one row, every line is whole JSON, and every output file is readable."""
    import random

    from sonitus import Audio

    clips = _clips(tmp_path / "in", files, seconds=0.05)
    out = tmp_path / "rows.jsonl"
    command = [sys.executable, "-m", "sonitus", "batch", "normalize", str(tmp_path / "in"), "-o", str(out),
               "--batch-size", "1"]
    rng = random.Random(7)
    for _ in range(kills):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        before = len(out.read_bytes().splitlines()) if out.exists() else 0
        deadline = time.time() + 120
        while (time.time() < deadline and proc.poll() is None
               and (len(out.read_bytes().splitlines()) if out.exists() else 0) <= before):
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:  # (a run that already finished every file has nothing left to kill)
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["path"] for r in rows) == sorted(map(str, clips))
    assert all(r["ok"] and Audio.load(r["output"]).frames == 800 for r in rows)


@pytest.mark.parametrize("how", ["ENOSPC", "libsndfile"])
def test_a_full_disk_stops_the_run_and_the_same_command_goes_on(tmp_path, monkeypatch, how):
    """The disk fills up after two outputs: the run stops there with a sentence (it does not
    fail every remaining file), leaves whole rows and no partial file, and the same run goes
    on once there is room."""
    import errno
    import shutil
    from collections import namedtuple

    from sonitus.errors import DiskFullError

    clips = _clips(tmp_path / "in", 6)
    out = tmp_path / "rows.jsonl"
    real_write, writes = sf.write, []

    def full_after_two(file, *args, **kwargs):
        writes.append(file)
        if len(writes) <= 2:
            return real_write(file, *args, **kwargs)
        open(file, "wb").write(b"RIFF")  # what a half-written output looks like
        if how == "ENOSPC":
            raise OSError(errno.ENOSPC, "No space left on device")
        raise sf.LibsndfileError(2, "Error writing: ")  # libsndfile says only 'System error.'

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(sf, "write", full_after_two)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9, 0))
    with pytest.raises(DiskFullError, match="2 files done.*run the same command again"):
        run_dataset(parse_pipeline("normalize"), [tmp_path / "in"], out, batch_size=1, progress=False)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 and all(r["ok"] for r in rows)
    assert sorted(p.name for p in (tmp_path / "rows.jsonl.files").iterdir()) == sorted(
        Path(r["output"]).name for r in rows)  # no temporary or partial file
    monkeypatch.undo()
    counts = run_dataset(parse_pipeline("normalize"), [tmp_path / "in"], out, batch_size=1, progress=False)
    assert (counts["done"], counts["skipped"], counts["errors"]) == (4, 2, 0)
    assert sorted(json.loads(line)["path"] for line in out.read_text().splitlines()) == sorted(map(str, clips))

def test_the_ray_backend_writes_the_rows_the_local_one_does(tmp_path):
    _ray_or_skip()
    _clips(tmp_path / "in", 7)
    (tmp_path / "in" / "broken.wav").write_bytes(b"not audio")
    text = "to-mono >> logmel(n_mels=24)"
    local = run_dataset(parse_pipeline(text), [tmp_path / "in"], tmp_path / "local.jsonl", batch_size=3,
                        progress=False)
    ray = run_dataset(parse_pipeline(text), [tmp_path / "in"], tmp_path / "ray.jsonl", batch_size=3, progress=False,
                      backend="ray", workers=2)
    assert (local["done"], local["errors"]) == (ray["done"], ray["errors"]) == (7, 1)

    def rows(name):
        found = {}
        for line in (tmp_path / name).read_text().splitlines():
            row = json.loads(line)
            row.pop("seconds")
            if "output" in row:
                row["output"] = np.load(row["output"])
            found[row.pop("path")] = row
        return found

    mine, theirs = rows("local.jsonl"), rows("ray.jsonl")
    assert mine.keys() == theirs.keys()
    for path, row in mine.items():
        other = theirs[path]
        assert row.keys() == other.keys()
        if row["ok"]:
            np.testing.assert_allclose(row["output"], other["output"], rtol=1e-5, atol=1e-5)
        else:
            assert row["error"] == other["error"]


def test_the_ray_backend_needs_a_pipeline_of_registered_stages(tmp_path):
    from sonitus import Audio, FunctionStage
    from sonitus.batch_ray import pipeline_from_recipe, pipeline_recipe

    pipeline = parse_pipeline("to-mono >> resample(sample_rate=8000) >> logmel(n_mels=40)")
    again = pipeline_from_recipe(pipeline_recipe(pipeline))
    assert [s.built_by for s in again.stages] == [s.built_by for s in pipeline.stages]
    assert again.stages[1].built_by == ("resample", {"sample_rate": 8000})
    handmade = parse_pipeline("to-mono") >> FunctionStage("louder", lambda a: a.gain(6), consumes=Audio,
                                                          produces=Audio)
    with pytest.raises(ParameterError, match="'louder' was not built by the registry"):
        run_dataset(handmade, _clips(tmp_path / "in", 1), tmp_path / "x.jsonl", backend="ray", progress=False)
    with pytest.raises(ParameterError, match="backend must be"):
        run_dataset(pipeline, [], tmp_path / "x.jsonl", backend="spark")


def test_a_cluster_address_where_nothing_listens_is_a_sentence_at_once(tmp_path, monkeypatch):
    import socket

    _ray_or_skip()
    import ray
    from sonitus.errors import SonitusError

    tried = []  # ray.init retries a dead address for minutes: it must not be reached
    monkeypatch.setattr(ray, "init", lambda *a, **k: tried.append(k))

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clips = _clips(tmp_path / "in", 1)
    with pytest.raises(SonitusError, match=f"nothing answers at 127.0.0.1:{port}.*ray start --head"):
        run_dataset(parse_pipeline("logmel"), clips, tmp_path / "x.jsonl", backend="ray", address=f"127.0.0.1:{port}",
                    progress=False)
    assert tried == []
    with pytest.raises(ParameterError, match="expected 'auto', 'host:port'"):
        run_dataset(parse_pipeline("logmel"), clips, tmp_path / "x.jsonl", backend="ray", address="nonsense",
                    progress=False)
