"""Atomic writes: no partial file on error, on SIGTERM, or after a process was killed outright."""

import os
import subprocess
import sys

import pytest
from sonitus.atomic import atomic_path, atomic_write_text, check_destination
from sonitus.errors import OutputError


def test_an_error_leaves_neither_target_nor_temporary(tmp_path):
    target = tmp_path / "out.wav"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_sigterm_in_the_cli_removes_the_temporary(tmp_path):
    """The CLI turns SIGTERM into an orderly exit, so the temporary is removed (exit 143)."""
    script = (
        "import os, signal, sys, time\n"
        "from sonitus.cli import _exit_cleanly_on_sigterm\n"
        "from sonitus.atomic import atomic_path\n"
        "_exit_cleanly_on_sigterm()\n"
        f"with atomic_path({str(tmp_path / 'out.wav')!r}) as tmp:\n"
        "    tmp.write_bytes(b'x' * 1000)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(30)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == 143, proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_killed_writers_temporary_is_removed_by_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = tmp_path / f".song.mid.{dead}.k2j3h4.mid"
    alive = tmp_path / f".song.mid.{os.getpid()}.a1b2c3.mid"  # a write in progress elsewhere
    other = tmp_path / f".other.mid.{dead}.zz.mid"
    for path in (stale, alive, other):
        path.write_bytes(b"partial")
    atomic_write_text(tmp_path / "song.mid", "done")
    assert not stale.exists() and alive.exists() and other.exists()
    assert (tmp_path / "song.mid").read_text() == "done"


def test_destinations_are_checked_before_any_work(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        check_destination(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_destination(tmp_path / "file" / "out.wav")
    assert check_destination(tmp_path / "new" / "deeper" / "out.wav") == tmp_path / "new" / "deeper" / "out.wav"
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        with pytest.raises(OutputError, match="not writable"):
            check_destination(locked / "out.wav")


def test_render_onto_a_folder_fails_before_rendering(tmp_path):
    from cli_helpers import run_cli

    song = tmp_path / "song.txt"
    song.write_text("tempo: 120\n\n[melody: piano]\nC4/4 D4 E4 F4 |\n")
    (tmp_path / "out.wav").mkdir()
    result = run_cli("compose", str(song), "-o", str(tmp_path / "out.wav"))
    assert result.returncode == 1 and "is a folder" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav", "song.txt"]


def test_a_full_disk_is_said_and_leaves_nothing(tmp_path):
    import errno

    from sonitus.errors import ParameterError

    target = tmp_path / "out.wav"
    with pytest.raises(OutputError, match="No space left on the device to write"):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(OutputError, match="nothing was written"):  # a writer that wraps the OSError
        with atomic_path(target):
            try:
                raise OSError(errno.EDQUOT, "Disk quota exceeded")
            except OSError as exc:
                raise ParameterError("Cannot write out.wav: use a suffix such as .wav") from exc
    assert list(tmp_path.iterdir()) == []


def test_json_to_a_full_device_is_one_line(tmp_path):
    from pathlib import Path

    import numpy as np
    import soundfile as sf

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    sf.write(tmp_path / "a.wav", np.zeros(1600, np.float32), 16000)
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "sonitus", "info", "--json", str(tmp_path / "a.wav")],
                                stdout=full, stderr=subprocess.PIPE, text=True)
    assert result.returncode == 1 and "no space left" in result.stderr and "Traceback" not in result.stderr
