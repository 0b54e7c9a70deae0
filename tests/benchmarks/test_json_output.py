"""A benchmark's ``--json`` writes one JSON document to stdout; its table goes to stderr."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"
HUMAN = Path("/usr/share/pocketsphinx/test/data")


@pytest.mark.skipif(not HUMAN.is_dir(), reason="Debian's pocketsphinx-testdata is not installed")
def test_json_flag_keeps_stdout_one_json_document():
    run = subprocess.run([sys.executable, str(BENCHMARKS / "asr_vs_pocketsphinx.py"), "--human", "--limit", "2",
                          "--beam", "1", "--json"], capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(run.stdout)
    assert result["utterances"] == 2
    assert set(result["systems"]) == {"pocketsphinx en-us", "sonitus greedy"}
    assert "WER" in run.stderr and "pocketsphinx en-us" in run.stderr
