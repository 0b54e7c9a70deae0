"""The transcribe command's options and writing, and the ctc stage's registration (fast, no model needed)."""

import pytest
from sonitus import Transcript, Word


def _t():
    return Transcript.from_words([Word("hello", 0.5, 0.9, 0.9), Word("world", 1.0, 1.5, 0.8)])


def test_stage_is_registered():
    from sonitus import get_registry
    from sonitus.dsl import recognize
    from sonitus.plugins.asr.defaults import DEFAULT_BEAM

    reg = get_registry()
    assert reg.spec("ctc").produces is Transcript
    # recognize("ctc") is the ctc stage with the defaults `sonitus transcribe --model ctc` uses
    pipeline = recognize("ctc")
    assert pipeline.name == "to-mono >> resample >> ctc"
    assert pipeline.stages[-1].beam == DEFAULT_BEAM and pipeline.stages[1].options["sample_rate"] == 16000
    assert recognize("ctc", beam=1, model="x.ckpt").stages[-1].options["model"] == "x.ckpt"
    assert reg.dataset("tts-speech", root="/nonexistent").manifest("dev").name == "dev.tsv"


def test_bad_beam_and_grammar_are_clear_errors(tmp_path):
    from sonitus.errors import ParameterError
    from sonitus.plugins.asr.recognizer import CTCRecognizer

    with pytest.raises(ParameterError, match="beam"):
        CTCRecognizer(beam=0)
    with pytest.raises(ParameterError, match="does not exist"):
        CTCRecognizer(grammar=str(tmp_path / "none.txt"))
    with pytest.raises(ParameterError, match="threshold"):
        CTCRecognizer(grammar=["open the door"], threshold=-0.1)
    (tmp_path / "empty.txt").write_text("\n  \n# only a comment\n")
    with pytest.raises(ParameterError, match="has no phrases"):
        CTCRecognizer(grammar=str(tmp_path / "empty.txt"))
    (tmp_path / "cards.gram").write_text("#JSGF V1.0;\ngrammar cards;\npublic <card> = ace | king;\n")
    with pytest.raises(ParameterError, match="JSGF grammar"):
        CTCRecognizer(grammar=str(tmp_path / "cards.gram"))
    (tmp_path / "ok.txt").write_text("# commands\nopen the door\n\nplay some music\n")
    assert CTCRecognizer(grammar=str(tmp_path / "ok.txt")).grammar == ["open the door", "play some music"]


def test_threshold_without_grammar_is_a_clear_cli_error(tmp_path):
    from click.testing import CliRunner
    from sonitus.cli import cli

    result = CliRunner().invoke(cli, ["transcribe", str(tmp_path / "a.wav"), "--threshold", "0.3"])
    assert result.exit_code != 0 and "--grammar" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("made_here", [True, False])
def test_a_full_disk_while_writing_transcripts_says_how_far_it_got(tmp_path, monkeypatch, made_here):
    import contextlib
    import errno

    import sonitus.atomic as atomic
    from sonitus.errors import DiskFullError
    from sonitus.plugins.asr.cli import _write_transcripts

    real, calls = atomic.atomic_path, []

    @contextlib.contextmanager
    def full_after_one(path, **kwargs):
        calls.append(path)
        with real(path, **kwargs) as tmp:
            yield tmp
            if len(calls) > 1:
                raise OSError(errno.ENOSPC, "No space left on device")

    folder = tmp_path / "out"
    if not made_here:
        folder.mkdir()
    monkeypatch.setattr(atomic, "atomic_path", full_after_one)
    with pytest.raises(DiskFullError, match="1 of 3 were written"):
        _write_transcripts(folder, ["a.wav", "b.wav", "c.wav"], [_t()] * 3, "srt")
    assert sorted(p.name for p in folder.iterdir()) == ["a.srt"]  # whole, and nothing partial beside it
    calls.clear()
    calls.append("fill at once")
    with pytest.raises(DiskFullError, match="0 of 1"):
        _write_transcripts(tmp_path / "new", ["a.wav"], [_t()], "srt")
    assert not (tmp_path / "new").exists()  # a folder made here and left empty goes
