"""Third-party modules that print on import must not reach sonitus's stdout."""

import json
import os
import subprocess
import sys

from cli_helpers import run_cli


def test_fluidsynth_import_chatter_goes_to_stderr_not_stdout():
    code = "import sonitus, pretty_midi, fluidsynth; print('ready')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "CI": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ready\n"
    assert "was found at" in result.stderr  # pyfluidsynth still says it, where diagnostics belong


def test_info_json_is_one_document_under_ci(tmp_path):
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(initial_tempo=100)
    inst = pretty_midi.Instrument(0)
    inst.notes.append(pretty_midi.Note(80, 60, 0.0, 0.5))
    midi.instruments.append(inst)
    midi.write(str(tmp_path / "tune.mid"))
    result = run_cli("info", "--json", str(tmp_path / "tune.mid"), env={"CI": "1"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["notes"] == 1
