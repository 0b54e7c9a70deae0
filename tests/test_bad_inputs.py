"""The bad-input table: every kind of hostile input the CLI may meet, and what must happen.

Each bad case must end with a non-zero exit, a one-line error naming the culprit, no
traceback and no file left behind; each good-but-unusual case (odd bit depths, rates and
channel counts, a one-sample clip) must simply work. Runs the CLI in-process (click's
runner) so that the table stays fast.
"""

import os
import pickle
import struct

import mido
import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner
from sonitus.checkpoints import MAGIC, save_checkpoint


def _wav(path, samples, rate=16000, subtype="PCM_16"):
    sf.write(path, samples, rate, subtype=subtype)
    return path


def _midi(path, messages, ticks=480):
    track = mido.MidiTrack(messages + [mido.MetaMessage("end_of_track", time=0)])
    mido.MidiFile(tracks=[track], ticks_per_beat=ticks).save(path)
    return path


def _notes(channel=0, count=4):
    out = []
    for i in range(count):
        out += [mido.Message("note_on", channel=channel, note=60 + i, velocity=80, time=0),
                mido.Message("note_off", channel=channel, note=60 + i, velocity=0, time=240)]
    return out


def _make(kind, folder):
    """Build the input of one case in ``folder``; returns the CLI arguments."""
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(8000) / 16000)).astype(np.float32)
    p = folder / "in"
    cases = {
        # -- audio (sonitus info) --
        "audio missing": lambda: ["info", str(folder / "nope.wav")],
        "audio is a folder": lambda: (folder / "dir.wav").mkdir() or ["info", str(folder / "dir.wav")],
        "audio empty file": lambda: ["info", _file(folder / "e.wav", b"")],
        "audio header only": lambda: ["info", str(_wav(folder / "h.wav", np.zeros(0, np.float32)))],
        "audio truncated": lambda: _truncated(folder / "t.wav", tone),
        "audio is text": lambda: ["info", _file(folder / "x.wav", b"hello\n")],
        "audio random bytes": lambda: ["info", _file(folder / "r.wav", np.random.default_rng(0).bytes(4000))],
        "audio NaN": lambda: ["info", str(_wav(folder / "n.wav", np.full(100, np.nan, np.float32), subtype="FLOAT"))],
        # -- MIDI (sonitus render) --
        "MIDI random bytes": lambda: ["render", _file(folder / "r.mid", b"MThd" + np.random.default_rng(1).bytes(300)),
                                      "-o", str(folder / "out.wav")],
        "MIDI empty file": lambda: ["render", _file(folder / "e.mid", b""), "-o", str(folder / "out.wav")],
        "MIDI without notes": lambda: ["render", str(_midi(folder / "z.mid", [])), "-o", str(folder / "out.wav")],
        # -- music text (sonitus compose) --
        "text unknown note": lambda: _song(folder, "C4 H4 |"),
        "text unbalanced": lambda: _song(folder, "(C4 D4 |"),
        "text repeat bomb": lambda: _song(folder, "(C4)*100000000"),
        "text deep nesting": lambda: _song(folder, "(" * 600 + "C4" + ")" * 600),
        "text empty": lambda: ["compose", _file(p.with_suffix(".txt"), b""), "-o", str(folder / "out.mid")],
        "text non-ASCII note": lambda: _song(folder, "C♯4 D4"),
        "text superscript": lambda: _song(folder, "C² D4"),
        "text Python code": lambda: _song(folder, "__import__('os').system('touch pwned')"),
        "text key with a third word": lambda: _song(folder, "C4", header="key: C# major major\n"),
        "text meter huge": lambda: _song(folder, "C4", header="meter: 99999999/4\n"),
        "text note value huge": lambda: _song(folder, "C4/100000000000000000000 D4"),
        "MIDI tempo 0": lambda: ["render", str(_midi(folder / "t0.mid", [mido.MetaMessage("set_tempo", tempo=0)]
                                                     + _notes())), "-o", str(folder / "out.wav")],
        "path symlink loop": lambda: (folder / "a.wav").symlink_to(folder / "b.wav") or
        (folder / "b.wav").symlink_to(folder / "a.wav") or ["info", str(folder / "a.wav")],
        "path FIFO": lambda: os.mkfifo(folder / "f.wav") or ["info", str(folder / "f.wav")],
        "path device": lambda: ["info", "/dev/zero"],
        "path name too long": lambda: ["info", str(folder / ("a" * 300 + ".wav"))],
        "config batch 0": lambda: ["train", "gan", "chorales", "--out", str(folder / "run"), "--config",
                                   _file(folder / "c.json", b'{"batch": 0}')],
        "config NaN rate": lambda: ["train", "gan", "harmoniser", "--out", str(folder / "run"), "--config",
                                    _file(folder / "c.json", b'{"lr": NaN}')],
        "config nested size": lambda: ["train", "gan", "harmoniser", "--out", str(folder / "run"), "--config",
                                       _file(folder / "c.json", b'{"model": {"width": -192}}')],
        "option model empty": lambda: ["transcribe", "--model", "", str(_wav(folder / "s.wav", tone))],
        "python song exits": lambda: ["compose", _file(folder / "exits.py", b"import sys\nsys.exit(0)\n"),
                                      "-o", str(folder / "out.mid")],
        "text not UTF-8": lambda: ["compose", _file(p.with_suffix(".txt"), b"tempo: 90\n\xff\xfe"),
                                   "-o", str(folder / "out.mid")],
        # -- options --
        "option bad output suffix": lambda: _song(folder, "C4 D4", out="out.xyz"),
        "option sample rate": lambda: _song(folder, "C4 D4", out="out.wav", extra=["--sample-rate", "5"]),
        "option pitch": lambda: ["generate", "note", "--pitch", "200", "-o", str(folder / "out.wav")],
        "option beam": lambda: ["transcribe", "--beam", "0", str(_wav(folder / "s.wav", tone))],
        "option seed 2**64": lambda: ["generate", "note", "--seed", str(2**64), "-o", str(folder / "out.wav")],
        "option temperature nan": lambda: ["generate", "chorale", "--temperature", "nan", "-o", str(folder / "o.mid")],
        "option iterations huge": lambda: ["generate", "note", "--iterations", "100000000", "-o", str(folder / "o.wav")],
        "option tempo inf": lambda: ["generate", "chorale", "--tempo", "inf", "-o", str(folder / "out.mid")],
        # -- output paths --
        "output is a folder": lambda: (folder / "out.mid").mkdir() or _song(folder, "C4 D4"),
        "output under a file": lambda: _file(folder / "f", b"") and _song(folder, "C4", out="f/out.mid"),
        # -- checkpoints (sonitus transcribe --model) --
        "checkpoint random": lambda: _transcribe_with(folder, tone, np.random.default_rng(2).bytes(500)),
        "checkpoint truncated": lambda: _transcribe_with(folder, tone, _checkpoint_bytes(folder)[:200]),
        "checkpoint crafted": lambda: _transcribe_with(folder, tone, MAGIC + struct.pack("<Q", 2) + b"{}"),
        "checkpoint pickle": lambda: _transcribe_with(folder, tone, pickle.dumps({"params": [1, 2, 3]})),
        "checkpoint is a FIFO": lambda: os.mkfifo(folder / "m.ckpt") or
        ["transcribe", "--model", str(folder / "m.ckpt"), str(_wav(folder / "s.wav", tone))],
        "checkpoint is /dev/zero": lambda: ["transcribe", "--model", "/dev/zero", str(_wav(folder / "s.wav", tone))],
        "checkpoint header nests deeply": lambda: _transcribe_with(
            folder, tone, MAGIC + struct.pack("<Q", 200_000) + b"[" * 100_000 + b"]" * 100_000),
        "checkpoint header length huge": lambda: _transcribe_with(folder, tone, MAGIC + struct.pack("<Q", 2**62) + b"{}"),
        "checkpoint is a folder": lambda: ["transcribe", "--model", str(folder), str(_wav(folder / "s.wav", tone))],
        "grammar of emoji": lambda: ["transcribe", str(_wav(folder / "s.wav", tone)), "--grammar",
                                     _file(folder / "g.txt", "open the door\n🎵🎶\n".encode())],
        "batch output not rows": lambda: ["batch", "to-mono", str(_wav(folder / "s.wav", tone)), "-o",
                                          _file(folder / "rows.jsonl", b'{"some": "other json"}\n')],
        "checkpoint sizes x1000": lambda: _transcribe_with(folder, tone, _inflated_ctc_checkpoint(folder)),
    }
    return cases[kind]()


def _file(path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def _truncated(path, tone):
    _wav(path, tone)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return ["info", str(path)]


def _song(folder, notation, *, out="out.mid", extra=(), header=""):
    song = folder / "song.txt"
    song.write_text(f"tempo: 100\n{header}\n[melody: piano]\n{notation}\n", encoding="utf-8")
    return ["compose", str(song), "-o", str(folder / out), *extra]


def _checkpoint_bytes(folder):
    return save_checkpoint(folder / "tmp.ckpt", {"params": {"w": np.zeros(100)}}, model="sonitus-asr-ctc").read_bytes()


def _inflated_ctc_checkpoint(folder):
    """The shipped CTC model with every size in its header a thousand times larger (its filter
    bank alone would have been 119 GiB)."""
    from sonitus.checkpoints import load_checkpoint
    from sonitus.plugins.asr.recognizer import default_model_path

    ckpt = load_checkpoint(default_model_path())
    header = {k: v for k, v in ckpt.header.items() if k not in ("model", "config", "version")}
    config = {k: v * 1000 if isinstance(v, int) else v for k, v in ckpt.config.items()}
    return save_checkpoint(folder / "tmp.ckpt", ckpt.state, model=ckpt.header["model"], config=config,
                           **header).read_bytes()


def _transcribe_with(folder, tone, data):
    (folder / "m.ckpt").write_bytes(data)
    (folder / "tmp.ckpt").unlink(missing_ok=True)
    return ["transcribe", "--model", str(folder / "m.ckpt"), str(_wav(folder / "s.wav", tone))]


#: case -> words the error must contain (the culprit, or what to do)
BAD = {
    "audio missing": "does not exist",
    "audio is a folder": "is a directory",
    "audio empty file": "empty",
    "audio header only": "no audio samples",
    "audio truncated": "truncated",
    "audio is text": "not an audio file",
    "audio random bytes": "not an audio file",
    "audio NaN": "NaN",
    "MIDI random bytes": "not a MIDI file",
    "MIDI empty file": "not a MIDI file",
    "MIDI without notes": "no notes",
    "text unknown note": "H4",
    "text unbalanced": "missing ')'",
    "text repeat bomb": "lower the repeat count",
    "text deep nesting": "nest more than",
    "text empty": "no track",
    "text non-ASCII note": "♯",
    "text superscript": "needs an octave",
    "text Python code": "line 4",
    "text not UTF-8": "not UTF-8",
    "python song exits": "must not exit",
    "option model empty": "--model is empty",
    "config batch 0": "batch",
    "config NaN rate": "lr",
    "config nested size": "model.width",
    "checkpoint is a FIFO": "FIFO",
    "checkpoint is /dev/zero": "model's folder",
    "checkpoint header nests deeply": "nests too deeply",
    "checkpoint header length huge": "truncated",
    "path symlink loop": "loop",
    "path FIFO": "FIFO",
    "path device": "device",
    "path name too long": "too long",
    "MIDI tempo 0": "tempo of 0 microseconds",
    "text key with a third word": "not a key",
    "text meter huge": "numerator from 1 to 64",
    "text note value huge": "not a note value",
    "option bad output suffix": "out.xyz",
    "option sample rate": "sample_rate",
    "option pitch": "pitch",
    "option beam": "beam",
    "option seed 2**64": "--seed",
    "option temperature nan": "not a finite number",
    "option iterations huge": "--iterations",
    "option tempo inf": "not a finite number",
    "output is a folder": "is a folder",
    "output under a file": "is a file, not a folder",
    "checkpoint random": "not a sonitus checkpoint",
    "checkpoint truncated": "corrupt body",
    "checkpoint crafted": "corrupt body",
    "checkpoint pickle": "not a sonitus checkpoint",
    "checkpoint is a folder": "is a folder",
    "checkpoint sizes x1000": "would not fit in memory",
    "batch output not rows": "not a sonitus batch output",
    "grammar of emoji": "nobody can say it",
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input(case, tmp_path):
    from sonitus.cli import cli

    args = _make(case, tmp_path)
    before = {p for p in tmp_path.rglob("*")}
    result = CliRunner().invoke(cli, args)
    message = result.stderr + result.stdout
    assert result.exit_code != 0, f"{case}: exit 0 ({message!r})"
    assert "Traceback" not in message and not isinstance(result.exception, AssertionError)
    assert BAD[case].lower() in message.lower(), f"{case}: {message!r}"
    assert message.count("\n") <= 4, f"{case}: not a short error: {message!r}"
    assert {p for p in tmp_path.rglob("*")} == before, f"{case}: left files behind"
    assert not (tmp_path / "pwned").exists()


GOOD = {
    "8-bit": dict(subtype="PCM_U8"), "24-bit": dict(subtype="PCM_24"), "32-bit int": dict(subtype="PCM_32"),
    "32-bit float": dict(subtype="FLOAT"), "8 kHz": dict(rate=8000), "96 kHz": dict(rate=96000),
    "6 channels": dict(channels=6), "one sample": dict(frames=1),
}


@pytest.mark.parametrize("case", list(GOOD))
def test_unusual_but_valid_audio_works(case, tmp_path):
    from sonitus.cli import cli

    spec = {"rate": 16000, "channels": 1, "frames": 4000, "subtype": "PCM_16", **GOOD[case]}
    samples = 0.25 * np.ones((spec["frames"], spec["channels"]), np.float32)
    path = _wav(tmp_path / "ok.wav", samples, spec["rate"], spec["subtype"])
    result = CliRunner().invoke(cli, ["info", "--json", str(path)])
    assert result.exit_code == 0, result.stderr
    assert f'"channels": {spec["channels"]}' in result.stdout and f'"frames": {spec["frames"]}' in result.stdout


def test_unusual_but_valid_midi_renders(tmp_path):
    """Sixteen channels, a note never switched off (a warning), an extreme tempo."""
    from sonitus.cli import cli

    messages = [m for channel in range(16) for m in _notes(channel, 1)]
    messages.append(mido.Message("note_on", note=70, velocity=90, time=0))  # never switched off
    path = _midi(tmp_path / "many.mid", messages)
    with pytest.warns(UserWarning, match="never off"):
        result = CliRunner().invoke(cli, ["render", str(path), "-o", str(tmp_path / "out.wav")])
    assert result.exit_code == 0, result.stderr
    assert sf.info(tmp_path / "out.wav").frames > 0
    # a tempo of 1 microsecond a beat: the notes last microseconds, their release still sounds
    fast = _midi(tmp_path / "fast.mid", [mido.MetaMessage("set_tempo", tempo=1)] + _notes())
    result = CliRunner().invoke(cli, ["render", str(fast), "-o", str(tmp_path / "fast.wav")])
    assert result.exit_code == 0, result.stderr


def test_an_error_in_a_megabyte_line_shows_a_window_of_it(tmp_path):
    from sonitus.cli import cli

    args = _song(tmp_path, "C4/16 D4 E4 F4 " * 60_000)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "200,000 notes" in result.output
    window, caret = result.output.splitlines()[1:3]
    assert len(window) < 120 and window.startswith("  ...") and caret.strip() == "^"


def test_a_song_with_a_byte_order_mark_and_sharps_in_its_header(tmp_path):
    """Windows editors start UTF-8 files with a BOM; '#' in 'key: F# minor' is a sharp, not a comment."""
    from sonitus import Score
    from sonitus.cli import cli

    song = tmp_path / "song.txt"
    song.write_text("\ufefftempo: 100\nkey: F# minor  # a comment\n\n[melody: piano]\n^1/4 ^3 # degrees\n",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["compose", str(song), "-o", str(tmp_path / "out.mid")])
    assert result.exit_code == 0, result.output
    assert [n.pitch for n in Score.load(tmp_path / "out.mid").midi.instruments[0].notes] == [66, 69]  # F#4, A4


def test_a_wav_whose_name_is_not_utf8_is_read(tmp_path):
    from sonitus.cli import cli

    name = os.fsdecode(b"take-\xff.wav")  # a byte no UTF-8 name has (from an old Latin-1 disk)
    sf.write(os.fsencode(tmp_path / name), (0.1 * np.ones(1600)).astype(np.float32), 16000)
    result = CliRunner().invoke(cli, ["info", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    assert "0.100 s" in result.output


def test_a_score_of_too_many_notes_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    import pretty_midi
    from sonitus.cli import cli
    from sonitus.score import MAX_SCORE_NOTES, _count_note_ons

    big = _midi(tmp_path / "big.mid", _notes(count=1) * (MAX_SCORE_NOTES + 10))
    parsed = []
    monkeypatch.setattr(pretty_midi, "PrettyMIDI", lambda *a, **k: parsed.append(a))  # the slow, memory-hungry part
    result = CliRunner().invoke(cli, ["render", str(big), "-o", str(tmp_path / "big.wav")])
    assert result.exit_code == 1 and "more than 200,000 notes" in result.output
    assert parsed == [] and not (tmp_path / "big.wav").exists()
    monkeypatch.undo()
    # the quick count agrees with mido, running status and meta events included
    small = mido.MidiFile(str(_midi(tmp_path / "s.mid", [mido.MetaMessage("set_tempo", tempo=400000)]
                                    + _notes(count=7) + _notes(channel=3, count=5))))
    expected = sum(1 for t in small.tracks for m in t if m.type == "note_on" and m.velocity > 0)
    assert _count_note_ons((tmp_path / "s.mid").read_bytes(), stop=10**9) == expected == 12
