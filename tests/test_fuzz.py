"""Property-based fuzzing of everything that reads user input: music notation, song text,
checkpoints, audio files and MIDI files. Whatever the bytes, the only exceptions allowed are
``sonitus.errors`` ones, and each input is handled within a time bound.

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
    start = time.process_time()  # CPU time: a busy machine does not make an input slow
    try:
        function(value)
    except SonitusError:
        pass
    spent = time.process_time() - start
    assert spent < BOUND, f"took {spent:.1f} s of CPU on {value!r:.200}"


def _parse_phrase(text):
    from sonitus.dsl.music import parse_phrase

    parse_phrase(text, key="C major")


def _parse_song(text):
    from sonitus.plugins.music.textfile import parse_song_text

    parse_song_text(text).to_score()


def _scratch(suffix: str):
    """One file per fuzzer, rewritten for each input (hypothesis runs many inputs per test)."""
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp()) / f"fuzz{suffix}"


_FILES = {suffix: _scratch(suffix) for suffix in (".ckpt", ".wav", ".mid")}


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


CASES = {
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
