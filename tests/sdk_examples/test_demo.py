"""`make demo` runs every capability's demo in one process, as a new user first sees them: each
one works, and none leaves the process in a state that breaks the next (the HMM article turns
on 64-bit JAX for itself)."""

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "sdk_examples" / "demo.py"


def test_make_demo_runs_every_demo_without_a_failure(tmp_path):
    result = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, timeout=900, cwd=tmp_path)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "Traceback" not in out and "skipped" not in out, out
    for name in ("foundation", "dsp", "music", "hmm", "asr", "gan", "listen"):
        assert f"--- {name}:" in out
    made = {p.relative_to(tmp_path / "demo-output").as_posix() for p in (tmp_path / "demo-output").rglob("*.*")}
    assert {"music/waltz.wav", "music/waltz.mid", "listen/hummed.mid", "gan/chorale.mid"} <= made, sorted(made)
