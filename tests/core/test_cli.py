import json
import math
import os
import re
from pathlib import Path

from cli_helpers import ROOT, run_cli

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "broken_plugin"


def test_version_and_help():
    result = run_cli("--version")
    assert result.returncode == 0 and "sonitus, version" in result.stdout
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("info", "plugins", "stages", "train", "generate"):
        assert command in result.stdout


def test_info_reports_the_file(wav_path):
    result = run_cli("info", str(wav_path))
    assert result.returncode == 0, result.stderr
    assert "1.000 s" in result.stdout and "16000 Hz" in result.stdout
    assert "channels     2" in result.stdout and "PCM_16" in result.stdout
    assert "-6.02 dBFS" in result.stdout  # peak of a 0.5 sine


def test_info_json(wav_path):
    data = json.loads(run_cli("info", "--json", str(wav_path)).stdout)
    assert data["channels"] == 2 and data["sample_rate"] == 16000 and data["format"] == "WAV"
    expected = 10 * math.log10((0.5**2 / 2 + 0.25**2 / 2) / 2)  # mean power of 0.5 and 0.25 sines
    assert abs(data["rms_dbfs"] - expected) < 0.01


def test_info_on_a_missing_file_is_one_line(tmp_path):
    result = run_cli("info", str(tmp_path / "missing.wav"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_info_on_a_text_file_is_one_line():
    result = run_cli("info", str(ROOT / "README.md"))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and result.stderr.strip().count("\n") == 0
    assert "not an audio file" in result.stderr


def test_info_shows_midi_and_the_readable_files_beside_a_bad_one(wav_path, tmp_path):
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(initial_tempo=100)
    inst = pretty_midi.Instrument(40, name="violin")
    inst.notes += [pretty_midi.Note(80, 60 + i, 0.3 * i, 0.3 * i + 0.3) for i in range(5)]
    midi.instruments.append(inst)
    midi.write(str(tmp_path / "tune.mid"))
    (tmp_path / "bad.mid").write_bytes(b"MThd garbage")
    result = run_cli("info", str(wav_path), str(tmp_path / "bad.mid"), str(tmp_path / "tune.mid"))
    assert result.returncode == 1 and "16000 Hz" in result.stdout
    assert "violin (5 notes)" in result.stdout and "100 bpm" in result.stdout
    assert "bad.mid" in result.stderr and "not a MIDI file" in result.stderr and "Traceback" not in result.stderr
    rows = json.loads(run_cli("info", "--json", str(wav_path), str(tmp_path / "bad.mid"), str(tmp_path / "tune.mid")).stdout)
    assert [sorted(r)[:2] for r in rows][1] == ["error", "path"] and rows[2]["notes"] == 5 and rows[0]["channels"] == 2


def test_help_lists_whole_first_sentences_of_every_command():
    top = run_cli("--help")
    assert top.returncode == 0 and not re.search(r"\w\.\.\.", top.stdout.split("Commands:")[1])  # cut short
    assert "Show duration, sample rate, channels, format and levels of audio" in top.stdout
    gan = run_cli("train", "gan", "--help").stdout
    assert all(name in gan for name in ("chorales", "harmoniser", "notes")) and "notes GAN" in gan


def test_debug_shows_the_traceback(tmp_path):
    result = run_cli("--debug", "info", str(tmp_path / "missing.wav"))
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_stages_lists_kind_signature_and_plugin():
    result = run_cli("stages")
    assert result.returncode == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("to-mono "))
    assert "preprocessor" in line and "Audio -> Audio" in line and "sonitus.plugins.basic" in line
    data = json.loads(run_cli("stages", "--json").stdout)
    assert {"name": "gain", "kind": "preprocessor"}.items() <= next(d for d in data if d["name"] == "gain").items()


def test_plugins_lists_third_party_and_failures(example_plugin_installed):
    with_broken = {"PYTHONPATH": os.pathsep.join([str(BROKEN), os.environ["PYTHONPATH"]])}
    result = run_cli("plugins", "--json", env=with_broken)
    assert result.returncode == 0, result.stderr
    data = {p["name"]: p for p in json.loads(result.stdout)}
    assert data["example"]["stages"] == ["example-fade", "example-zcr"]
    assert data["example"]["hooks"] == ["register_feature_extractors", "register_preprocessors"]
    assert "broken on purpose" in data["broken"]["error"]
    assert "sonitus.plugins.basic" not in data
    assert "sonitus.plugins.basic" in {p["name"] for p in json.loads(run_cli("plugins", "--all", "--json").stdout)}
    text = run_cli("plugins", env=with_broken).stdout
    assert "broken" in text and "FAILED" in text


def test_disabled_plugin_disappears_from_the_cli(example_plugin_installed):
    result = run_cli("stages", env={"SONITUS_DISABLE_PLUGINS": "example"})
    assert "example-zcr" not in result.stdout and "to-mono" in result.stdout


def test_unknown_command_is_a_usage_error():
    result = run_cli("no-such-command")
    assert result.returncode == 2 and "No such command" in result.stderr


def test_debug_works_after_a_sub_command(tmp_path):
    result = run_cli("info", str(tmp_path / "missing.wav"), "--debug")
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "NoSuchOption" not in result.stderr
    assert "AudioNotFoundError" in result.stderr


def test_stages_of_an_empty_kind_says_so():
    result = run_cli("stages", "--kind", "generator", env={"SONITUS_DISABLE_PLUGINS": "sonitus.plugins.gan"})
    assert result.returncode == 0 and "No generator stages are registered" in result.stdout
    assert run_cli("stages", "--kind", "nonsense").returncode == 2


def _run_main(tmp_path: Path, setup: str, *args: str):
    """The console script's main() in a fresh process, after ``setup`` (Python source)."""
    import subprocess
    import sys

    script = tmp_path / "run_main.py"
    script.write_text(f"import sys\n{setup}\nsys.argv = ['sonitus', *{list(args)!r}]\n"
                      "from sonitus.cli import main\nmain()\n")
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)


def test_main_runs_exit_handlers_and_finalizers_and_keeps_the_exit_status(tmp_path):
    setup = ("import atexit, tempfile, weakref\n"
             "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
             "class Held: pass\n"
             "held = Held()\n"
             f"weakref.finalize(held, lambda: open({str(tmp_path / 'finalized')!r}, 'w').close())\n")
    result = _run_main(tmp_path, setup, "stages", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) and "handler ran" in result.stderr  # all of stdout came through
    assert (tmp_path / "finalized").exists()
    result = _run_main(tmp_path, setup, "no-such-command")
    assert result.returncode == 2 and "No such command" in result.stderr and "handler ran" in result.stderr


def test_main_waits_for_a_thread_that_is_not_a_daemon(tmp_path):
    done = tmp_path / "thread-done"
    setup = ("import threading, time\n"
             f"threading.Thread(target=lambda: (time.sleep(1), open({str(done)!r}, 'w').close())).start()\n")
    result = _run_main(tmp_path, setup, "--version")
    assert result.returncode == 0 and "version" in result.stdout and done.exists()


def test_warnings_print_as_sentences_and_debug_keeps_python_form(tmp_path):
    """A MIDI note switched on and never off is left out with a warning: the console script says
    it in one line, without the source line that raised it."""
    import mido

    midi = mido.MidiFile()
    track = mido.MidiTrack([mido.Message("note_on", note=60, velocity=90, time=0)])
    midi.tracks.append(track)
    midi.save(tmp_path / "held.mid")
    plain = run_cli("info", str(tmp_path / "held.mid"))
    assert plain.returncode == 0, plain.stderr
    warning = f"Warning: {tmp_path / 'held.mid'}: 1 note(s) are switched on and never off; they are left out."
    assert warning in plain.stderr.splitlines()
    assert "UserWarning" not in plain.stderr and "Score.load(path)" not in plain.stderr
    debug = run_cli("--debug", "info", str(tmp_path / "held.mid"))
    assert "UserWarning: " in debug.stderr and "Score.load(path)" in debug.stderr
