"""Property-based fuzzing of everything that reads user input: music notation, song text,
checkpoints and the model sizes in their headers, audio files and MIDI files, paths, command
options and the output file a batch run resumes. Whatever the bytes, the only exceptions
allowed are ``sonitus.errors`` ones (and click's usage errors for options), and each input is
handled within a time bound.

A short run is part of ``make test``; ``make test-slow`` runs each fuzzer 50 times longer.
"""

import struct
import time
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sonitus.errors import SonitusError

SHORT = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=7500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: CPU seconds any one input may take
BOUND = 5.0

NOTATION_ALPHABET = "ABCDEFGabcdefgr#b0123456789/.*()[]@^!'~>:t -|\n²mpfo7sus"
notation = st.text(alphabet=NOTATION_ALPHABET, max_size=80)
song_text = st.lists(st.one_of(
    st.sampled_from(["tempo: 120", "tempo: 0", "tempo: 1e9", "meter: 3/4", "meter: 0/4", "key: G major",
                     "key: H minor", "[melody: piano]", "[drums: drums]", "[x: 999]", "# comment", ""]),
    notation), max_size=8).map("\n".join)


def _only_sonitus_errors(function, value):
    import click

    start = time.process_time()  # CPU time: a busy machine does not make an input slow
    try:
        function(value)
    except (SonitusError, click.UsageError):
        pass
    spent = time.process_time() - start
    assert spent < BOUND, f"took {spent:.1f} s of CPU on {value!r:.200}"


def _parse_phrase(text):
    from sonitus.dsl.music import parse_phrase

    parse_phrase(text, key="C major")


def _parse_song(text):
    from sonitus.music.songtext import parse_song_text

    parse_song_text(text).to_score()


def _scratch(suffix: str):
    """One file per fuzzer, rewritten for each input (hypothesis runs many inputs per test)."""
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp()) / f"fuzz{suffix}"


_FILES = {suffix: _scratch(suffix) for suffix in (".ckpt", ".wav", ".mid", ".jsonl")}


def _load_checkpoint(data):
    from sonitus.checkpoints import MAGIC, load_checkpoint

    _FILES[".ckpt"].write_bytes(MAGIC + data)
    load_checkpoint(_FILES[".ckpt"])


def _load_audio(data):
    from sonitus import Audio

    _FILES[".wav"].write_bytes(data)
    Audio.load(_FILES[".wav"])


def _load_midi(data):
    from sonitus import Score

    _FILES[".mid"].write_bytes(data)
    with warnings.catch_warnings():  # notes never switched off are reported with a warning: expected here
        warnings.simplefilter("ignore", UserWarning)
        Score.load(_FILES[".mid"]).piano_roll()


def _wav_like(body: bytes) -> bytes:
    """A RIFF/WAVE header with fuzzed fields before random bytes."""
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body


def _midi_like(body: bytes) -> bytes:
    return b"MThd" + struct.pack(">IHHH", 6, 1, 1, 480) + b"MTrk" + struct.pack(">I", len(body)) + body


header = st.fixed_dictionaries({"model": st.sampled_from(["sonitus-asr-ctc", "hmm-words", "x"]),
                                "config": st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
                                "step": st.integers()})


def _checkpoint_bytes(head: dict, body: bytes) -> bytes:
    import json

    text = json.dumps(head).encode()
    return struct.pack("<Q", len(text)) + text + body


def _model_config(values: dict):
    """A checkpoint header's model sizes: refused with a sentence, or within the config's limits."""
    from sonitus.checkpoints import Checkpoint
    from sonitus.plugins.asr.model import ModelConfig
    from sonitus.plugins.gan.harmoniser_model import HarmoniserConfig

    for cls in (ModelConfig, HarmoniserConfig):
        config = Checkpoint({"config": values}, {}, "fuzz.ckpt").model_config(cls)
        for name, limit in cls.LIMITS.items():
            assert getattr(config, name) <= limit


_SIZE_NAMES = ["n_fft", "hop_length", "n_mels", "d_model", "heads", "layers", "width", "steps", "voices",
               "dropout", "vocab", "other"]
model_sizes = st.dictionaries(st.sampled_from(_SIZE_NAMES), st.one_of(
    st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5), st.booleans(),
    st.none(), st.lists(st.integers(), max_size=2)), max_size=6)


def _audio_path(name: str):
    """A path as a user might type it (any characters, any length) to a missing or odd file."""
    from sonitus import Audio

    Audio.load(_FILES[".wav"].parent / name if name and not name.startswith("/") else name)


def _option(args: list[str]):
    """Numeric options of several commands, parsed and checked (the commands stop before any work)."""
    from click.testing import CliRunner
    from sonitus.cli import cli

    result = CliRunner().invoke(cli, args + ["--help"] if args[0] == "help" else args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, (SystemExit, SonitusError)):
        raise result.exception


option_value = st.one_of(st.integers(-2**70, 2**70).map(str), st.floats().map(str), st.text(max_size=12),
                         st.sampled_from(["nan", "inf", "-0", "1e400", "0x10", "", " ", "1_000"]))
options = st.one_of(
    st.builds(lambda v: ["generate", "note", "--pitch", v, "-o", str(_FILES[".wav"])], option_value),
    st.builds(lambda v: ["generate", "note", "--iterations", v, "-o", str(_FILES[".wav"])], option_value),
    st.builds(lambda v: ["generate", "chorale", "--seed", v, "-o", str(_FILES[".mid"])], option_value),
    st.builds(lambda v: ["transcribe", "--beam", v, str(_FILES[".wav"])], option_value),
    st.builds(lambda v: ["batch", "normalize", str(_FILES[".wav"]), "-o", str(_FILES[".jsonl"]), "--batch-size", v],
              option_value))


def _resume_batch(existing: bytes):
    """A batch run whose output file already holds ``existing`` (rows, a torn line, junk)."""
    import numpy as np
    from sonitus import Audio
    from sonitus.batch import parse_pipeline, run_dataset

    clip = _FILES[".jsonl"].parent / "clip.wav"
    if not clip.exists():
        Audio(np.full(800, 0.1, np.float32), 16000).save(clip)
    _FILES[".jsonl"].write_bytes(existing)
    run_dataset(parse_pipeline("to-mono"), [clip], _FILES[".jsonl"], progress=False)


batch_output = st.one_of(
    st.binary(max_size=200),
    st.lists(st.one_of(st.sampled_from(['{"path": "x.wav", "ok": true}', '{"path": null}', "[]", "3", '"s"',
                                        '{"path": ["a"], "ok": 1}', '{"ok": false}', '{"path": {"a": 1}}', "{",
                                        '{"path": "clip.wav"']),
                       st.text(max_size=30)), max_size=5).map(lambda lines: "\n".join(lines).encode()))


CASES = {
    "model sizes": (_model_config, model_sizes),
    "audio path": (_audio_path, st.text(max_size=300)),
    "command options": (_option, options),
    "batch output resumed": (_resume_batch, batch_output),
    "music notation": (_parse_phrase, notation),
    "song text": (_parse_song, song_text),
    "checkpoint": (_load_checkpoint, st.one_of(st.binary(max_size=200),
                                               st.builds(_checkpoint_bytes, header, st.binary(max_size=200)))),
    "audio file": (_load_audio, st.one_of(st.binary(max_size=400), st.binary(max_size=400).map(_wav_like))),
    "MIDI file": (_load_midi, st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(_midi_like))),
}


def _fuzz(name, budget):
    function, strategy = CASES[name]

    @budget
    @given(strategy)
    def run(value):
        _only_sonitus_errors(function, value)

    run()


@pytest.mark.parametrize("name", list(CASES))
def test_fuzz_short(name):
    _fuzz(name, SHORT)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_fuzz_long(name):
    _fuzz(name, LONG)
