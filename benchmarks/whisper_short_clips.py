"""Short clips and Whisper's 30 s window: what each lever costs in time and in words.

Whisper's encoder always sees 30 s, so a 2 s clip costs as much as a 30 s one in the encoder.
This script transcribes the same clips four ways, each in one process on the same weights
(beam 5), and prints WER and wall time (the second of two passes; the first compiles what
the persistent cache lacks):

- **one clip a call**: ``transcribe_waves`` on each clip alone, as a loop over files would.
- **batched (the default)**: all clips in one call; windows of like length share a batch of
  8, so the decoder runs 8 windows x 5 beams a step.
- **packed**: clips joined with ``--gap`` seconds of silence into windows of at most 28 s,
  one window's text split back onto its clips by each word's time (word timestamps).
- **clip context** (``--audio-context clip``): the encoder hears only a batch's longest clip
  + 1 s (whisper.cpp's ``audio_ctx``; rounded up to 2 s steps so that few shapes compile),
  and the decoder attends to those frames.

Sets: the transcribed human recordings of Debian's ``pocketsphinx-testdata`` (11 clips of
1-7 s) and Harvard sentences spoken by flite's voices (``--sentences`` per voice).

    python benchmarks/whisper_short_clips.py
    python benchmarks/whisper_short_clips.py --set flite --model base --json
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _cli import make_parser, table_printer  # noqa: E402
from asr_vs_pocketsphinx import human_manifest  # noqa: E402
from whisper import flite_set, two_passes  # noqa: E402

SAMPLE_RATE = 16000
PACK_SECONDS = 28.0


def pack(waves: list[np.ndarray], gap: float) -> tuple[list[np.ndarray], list[list[tuple[int, float, float]]]]:
    """Clips joined with ``gap`` s of silence into waves of at most PACK_SECONDS, and for each
    wave its clips as ``(clip index, start s, end s)``."""
    packed, spans = [], []
    silence = np.zeros(round(gap * SAMPLE_RATE), np.float32)
    parts, clips, start = [], [], 0.0
    for i, wave in enumerate(waves):
        length = len(wave) / SAMPLE_RATE
        if clips and start + gap + length > PACK_SECONDS:
            packed.append(np.concatenate(parts))
            spans.append(clips)
            parts, clips, start = [], [], 0.0
        if clips:
            parts.append(silence)
            start += gap
        parts.append(wave)
        clips.append((i, start, start + length))
        start += length
    packed.append(np.concatenate(parts))
    spans.append(clips)
    return packed, spans


def _clip_of(middle: float, clips: list[tuple[int, float, float]]) -> int:
    """The clip a word whose middle is at ``middle`` s belongs to: the one it lies in, else the nearest."""
    return min(clips, key=lambda c: 0.0 if c[1] <= middle <= c[2] else min(abs(middle - c[1]), abs(middle - c[2])))[0]


def transcribe_packed(rt, waves, options, gap: float) -> list[str]:
    from sonitus.plugins.whisper.transcribe import transcribe_waves

    packed, spans = pack(waves, gap)
    texts: list[list[str]] = [[] for _ in waves]
    for result, clips in zip(transcribe_waves(rt, packed, options), spans):
        for word, start, end, _ in result.words:
            texts[_clip_of((start + end) / 2, clips)].append(word)
    return [" ".join(t) for t in texts]


def main(argv: list[str] | None = None) -> dict:
    import jiwer
    from sonitus import Audio
    from sonitus.manifests import read_manifest
    from sonitus.plugins.whisper.clip_adapter import adapter_for
    from sonitus.plugins.whisper.models import resolve_model
    from sonitus.plugins.whisper.runtime import load_runtime
    from sonitus.plugins.whisper.transcribe import TranscribeOptions, transcribe_waves
    from sonitus.text import normalize

    parser = make_parser(__doc__)
    parser.add_argument("--set", choices=("human", "flite", "both"), default="both")
    parser.add_argument("--model", default=None, help="Whisper model name or folder (default tiny.en)")
    parser.add_argument("--sentences", type=int, default=10, help="Harvard sentences per flite voice")
    parser.add_argument("--gap", type=float, default=1.0, help="seconds of silence between packed clips")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    say = table_printer(args.json)

    rt = load_runtime(str(resolve_model(args.model)))
    # the clip context runs a packaged model with its clip-context adapter, as the recogniser does
    clip_rt = load_runtime(str(resolve_model(args.model)), adapter=adapter_for(args.model))
    options = TranscribeOptions(language="en" if rt.tokenizer.multilingual else None, word_timestamps=False)
    timed_options = dataclasses.replace(options, word_timestamps=True)
    clip_options = dataclasses.replace(options, audio_context="clip")
    tmp = Path(tempfile.mkdtemp(prefix="short-clips-"))
    sets = {}
    if args.set in ("human", "both"):
        sets["human"] = list(read_manifest(human_manifest(tmp)))
    if args.set in ("flite", "both"):
        sets["flite"] = flite_set(tmp, args.sentences)

    def texts(results):
        return [r.text for r in results]

    result: dict = {"model": str(rt.folder), "beam": options.beam, "gap_s": args.gap, "sets": {}}
    for name, rows in sets.items():
        waves = [Audio.load(p).to_mono().resample(SAMPLE_RATE).mono.astype(np.float32) for p, _ in rows]
        refs = [normalize(t) for _, t in rows]
        seconds = sum(len(w) for w in waves) / SAMPLE_RATE

        levers = {
            "one clip a call": lambda: [texts(transcribe_waves(rt, [w], options))[0] for w in waves],
            "batched (default)": lambda: texts(transcribe_waves(rt, waves, options)),
            f"packed, {args.gap:g} s gaps": lambda: transcribe_packed(rt, waves, timed_options, args.gap),
            "clip context (clip + 1 s)": lambda: texts(transcribe_waves(clip_rt, waves, clip_options)),
        }
        say(f"\n{name}: {len(waves)} clips, {seconds:.1f} s of audio, {len(pack(waves, args.gap)[0])} packed windows")
        say(f"{'lever':28s} {'WER':>7s} {'wall s':>7s} {'vs default':>10s}")
        table = {}
        for lever, run in levers.items():
            hyps, _, wall = two_passes(run)
            table[lever] = {"wer": round(jiwer.wer(refs, [normalize(h) for h in hyps]), 4), "wall_s": round(wall, 3)}
        base = table["batched (default)"]["wall_s"]
        for lever, row in table.items():
            say(f"{lever:28s} {row['wer']:7.3f} {row['wall_s']:7.2f} {row['wall_s'] / base:9.2f}x")
        result["sets"][name] = {"clips": len(waves), "audio_seconds": round(seconds, 1), "levers": table}
    if args.json:
        print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
