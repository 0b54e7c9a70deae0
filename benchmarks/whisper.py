"""sonitus's Whisper (our Flax code) vs faster-whisper (CTranslate2) on the same weights, and
PocketSphinx, side by side in one process.

Two sets: the transcribed human recordings of Debian's ``pocketsphinx-testdata`` and Harvard
sentences spoken by flite's voices (Debian ``flite``; sonitus never trained on flite). Prints
WER and CER (jiwer, on sonitus's normalised text), wall time of batch transcription (audio in
memory, after one untimed warm-up call), real-time factor, cold start (load + first call) and
the growth of resident memory each engine caused.

    python benchmarks/whisper.py                 # both sets, beam 5
    python benchmarks/whisper.py --set human --json
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from asr_vs_pocketsphinx import human_manifest, run_pocketsphinx  # noqa: E402

#: IEEE 1969 Harvard sentences (public domain), lists 1 and 2
HARVARD = """The birch canoe slid on the smooth planks.
Glue the sheet to the dark blue background.
It's easy to tell the depth of a well.
These days a chicken leg is a rare dish.
Rice is often served in round bowls.
The juice of lemons makes fine punch.
The box was thrown beside the parked truck.
The hogs were fed chopped corn and garbage.
Four hours of steady work faced us.
A large size in stockings is hard to sell.
The boy was there when the sun rose.
A rod is used to catch pink salmon.
The source of the huge river is the clear spring.
Kick the ball straight and follow through.
Help the woman get back to her feet.
A pot of tea helps to pass the evening.
Smoky fires lack flame and heat.
The soft cushion broke the man's fall.
The salt breeze came across from the sea.
The girl at the booth sold fifty bonds.""".splitlines()
FLITE_VOICES = ("slt", "rms", "awb", "kal16")


def flite_set(out: Path, sentences: int) -> list[tuple[Path, str]]:
    rows = []
    for voice in FLITE_VOICES:
        for i, sentence in enumerate(HARVARD[:sentences]):
            path = out / f"flite-{voice}-{i:02d}.wav"
            subprocess.run(["flite", "-voice", voice, "-t", sentence, "-o", str(path)], check=True)
            rows.append((path, sentence))
    return rows


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


def run_sonitus(folder: str, waves, beam: int):
    from sonitus.plugins.whisper.runtime import load_runtime
    from sonitus.plugins.whisper.transcribe import TranscribeOptions, transcribe_waves

    options = TranscribeOptions(beam=beam, word_timestamps=False)
    tic = time.perf_counter()
    rt = load_runtime(folder)
    transcribe_waves(rt, waves[:1], options)
    cold = time.perf_counter() - tic
    transcribe_waves(rt, waves[:options.batch], options)  # compile the batch shapes outside the timing
    tic = time.perf_counter()
    hyps = [r.text for r in transcribe_waves(rt, waves, options)]
    return hyps, time.perf_counter() - tic, cold


def run_faster_whisper(folder: str, waves, beam: int, compute_type: str):
    from faster_whisper import WhisperModel

    tic = time.perf_counter()
    model = WhisperModel(folder, device="cpu", compute_type=compute_type, cpu_threads=2)
    list(model.transcribe(waves[0], beam_size=beam, language="en")[0])
    cold = time.perf_counter() - tic
    tic = time.perf_counter()
    hyps = ["".join(s.text for s in model.transcribe(w, beam_size=beam, language="en")[0]).strip() for w in waves]
    return hyps, time.perf_counter() - tic, cold


def main(argv: list[str] | None = None) -> dict:
    import jiwer
    from sonitus import Audio
    from sonitus.manifests import read_manifest
    from sonitus.plugins.whisper.models import resolve_model
    from sonitus.text import normalize

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("human", "flite", "both"), default="both")
    parser.add_argument("--model", default=None, help="Whisper model name or folder (default tiny.en)")
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--sentences", type=int, default=10, help="Harvard sentences per flite voice")
    parser.add_argument("--no-peers", action="store_true", help="sonitus only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    folder = str(resolve_model(args.model))
    tmp = Path(tempfile.mkdtemp(prefix="whisper-bench-"))
    sets = {}
    if args.set in ("human", "both"):
        sets["human"] = [(Path(p), t) for p, t in read_manifest(human_manifest(tmp))]
    if args.set in ("flite", "both"):
        sets["flite"] = flite_set(tmp, args.sentences)
    result: dict = {"model": folder, "beam": args.beam, "sets": {}}
    for name, rows in sets.items():
        audios = [Audio.load(p).to_mono().resample(16000) for p, _ in rows]
        waves = [a.mono.astype(np.float32) for a in audios]
        refs = [normalize(t) for _, t in rows]
        seconds = sum(a.duration for a in audios)
        engines = {}
        before = rss_mb()
        engines["sonitus whisper (Flax)"] = (*run_sonitus(folder, waves, args.beam), rss_mb() - before)
        if not args.no_peers:
            for compute in ("float32", "int8"):
                before = rss_mb()
                engines[f"faster-whisper {compute}"] = (*run_faster_whisper(folder, waves, args.beam, compute),
                                                        rss_mb() - before)
            before = rss_mb()
            hyps, t = run_pocketsphinx(audios)
            hyps = [re.sub(r"\(\d+\)|<[^>]+>|\[[^]]+\]", " ", h) for h in hyps]
            engines["pocketsphinx en-us"] = (hyps, t, float("nan"), rss_mb() - before)
        print(f"\n{name}: {len(rows)} utterances, {seconds:.1f} s of audio, beam {args.beam}")
        print(f"{'engine':26s} {'WER':>6s} {'CER':>6s} {'wall s':>7s} {'RTF':>7s} {'cold s':>7s} {'+RSS MB':>8s}")
        table = {}
        for engine, (hyps, wall, cold, rss) in engines.items():
            hyps = [normalize(h) for h in hyps]
            wer, cer = jiwer.wer(refs, hyps), jiwer.cer(refs, hyps)
            table[engine] = {"wer": round(wer, 4), "cer": round(cer, 4), "wall_s": round(wall, 3),
                             "rtf": round(wall / seconds, 4), "cold_s": round(cold, 2), "rss_mb": round(rss)}
            print(f"{engine:26s} {wer:6.3f} {cer:6.3f} {wall:7.2f} {wall / seconds:7.4f} {cold:7.2f} {rss:8.0f}")
        ours = table["sonitus whisper (Flax)"]
        if "faster-whisper float32" in table:
            peer = table["faster-whisper float32"]
            print(f"sonitus wall / faster-whisper float32 wall = {ours['wall_s'] / peer['wall_s']:.2f} "
                  f"(goal <= 1.5); WER {ours['wer']:.3f} vs {peer['wer']:.3f}")
        result["sets"][name] = {"utterances": len(rows), "audio_seconds": round(seconds, 1), "engines": table}
    if args.json:
        print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
