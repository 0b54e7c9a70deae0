"""The io plugin's stages: text(format=...) and save write transcript files."""

import pytest
from sonitus import Transcript, Word
from sonitus.dsl import save, text
from sonitus.errors import ParameterError
from sonitus.pipeline import Source
from sonitus.transcript_formats import format_transcript


def _t():
    return Transcript.from_words([Word("hello", 0.5, 0.9, 0.9), Word("world", 1.0, 1.5, 0.8)])


@pytest.mark.parametrize("fmt", ["txt", "json", "srt", "vtt"])
def test_a_transcript_is_written_in_each_format(tmp_path, fmt):
    path = (Source(_t()) >> text(fmt) >> save(tmp_path / f"a.{fmt}")).run()
    assert path.read_text() == format_transcript(_t(), fmt)
    assert (Source(_t()) >> text()).run() == "hello world"


def test_unknown_formats_and_text_into_audio_files_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="format must be one of"):
        text("docx")
    with pytest.raises(ParameterError, match="Text is saved as"):
        (Source(_t()) >> text("srt") >> save(tmp_path / "a.wav")).run()
    assert not list(tmp_path.iterdir())
