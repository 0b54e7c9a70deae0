"""Transcript file formats: plain text, JSON, SubRip (``.srt``) and WebVTT (``.vtt``) subtitles.

What ``sonitus transcribe --format`` prints and writes, and what the ``text(format=...)``
stage gives a pipeline, so that both make the same bytes:

>>> from sonitus import Transcript, Word
>>> t = Transcript.from_words([Word("hello", 0.5, 0.9), Word("world", 1.0, 1.5)])
>>> print(format_transcript(t, "srt"), end="")
1
00:00:00,500 --> 00:00:01,500
hello world
<BLANKLINE>
"""

from __future__ import annotations

import json

from .errors import ParameterError
from .values import Transcript

__all__ = ["FORMATS", "SUFFIXES", "format_transcript"]

FORMATS = ("txt", "json", "srt", "vtt")
#: file suffixes a formatted transcript is written with
SUFFIXES = tuple("." + f for f in FORMATS)


#: the shortest time a subtitle cue stays on screen (seconds), where the next cue leaves room
MIN_CUE_S = 1.0


def _cues(words, *, max_words: int = 7, max_gap: float = 0.6) -> list[tuple[float, float, str]]:
    """Subtitle cues ``(start s, end s, text)``: up to ``max_words`` words, split at pauses longer
    than ``max_gap``; a short cue is held to :data:`MIN_CUE_S` unless the next one starts sooner."""
    cues, current = [], []
    for w in words:
        if current and (len(current) >= max_words or w.start - current[-1].end > max_gap):
            cues.append(current)
            current = []
        current.append(w)
    if current:
        cues.append(current)
    starts = [c[0].start for c in cues] + [float("inf")]
    return [(c[0].start, max(c[-1].end, min(c[0].start + MIN_CUE_S, starts[i + 1])), " ".join(w.text for w in c))
            for i, c in enumerate(cues)]


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def format_transcript(transcript: Transcript, fmt: str, *, path: str | None = None) -> str:
    """A Transcript as the text of a ``txt``, ``json``, ``srt`` or ``vtt`` file (``path``: the
    audio it came from, recorded in JSON)."""
    if fmt == "txt":
        if transcript.info.get("rejected"):
            return (f"(rejected: closest phrase {transcript.info['best']!r} is {transcript.info['rejection']:.2f} "
                    f"nats a {transcript.info.get('per', 'frame')} below free decoding; --threshold is "
                    f"{transcript.info['threshold']:g})\n")
        return transcript.text + "\n"
    if fmt == "json":
        data = transcript.to_dict()
        if path is not None:
            data = {"path": path, **data}
        return json.dumps(data, indent=2) + "\n"
    cues = _cues(transcript.words)
    if fmt == "srt":
        return "".join(f"{i}\n{_stamp(a, ',')} --> {_stamp(b, ',')}\n{text}\n\n" for i, (a, b, text) in enumerate(cues, 1))
    if fmt == "vtt":
        return "WEBVTT\n\n" + "".join(f"{_stamp(a, '.')} --> {_stamp(b, '.')}\n{text}\n\n" for a, b, text in cues)
    raise ParameterError(f"Unknown transcript format {fmt!r}; use one of {', '.join(FORMATS)}.")
