"""Transcript file formats (what transcribe --format and the text(format=...) stage give)."""

import json

from sonitus import Transcript, Word
from sonitus.transcript_formats import format_transcript


def _t():
    return Transcript.from_words([Word("hello", 0.5, 0.9, 0.9), Word("world", 1.0, 1.5, 0.8),
                                  Word("again", 3.0, 3.4, 0.7)])


def test_srt_and_vtt_cues_split_on_pauses():
    srt = format_transcript(_t(), "srt")
    # the last cue's one short word stays on screen for a second
    assert srt.startswith("1\n00:00:00,500 --> 00:00:01,500\nhello world\n\n2\n00:00:03,000 --> 00:00:04,000\nagain")
    vtt = format_transcript(_t(), "vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nhello world")
    close = Transcript.from_words([Word("yes", 0.0, 0.3), Word("no", 0.9, 1.2)])  # the next cue comes sooner
    assert "00:00:00,000 --> 00:00:00,900\nyes\n\n2\n00:00:00,900 --> 00:00:01,900\nno" in format_transcript(close, "srt")


def test_json_and_txt():
    data = json.loads(format_transcript(_t(), "json", path="a.wav"))
    assert data["path"] == "a.wav" and data["words"][1]["text"] == "world"
    assert format_transcript(_t(), "txt") == "hello world again\n"
