"""sonitus' CTC recogniser vs PocketSphinx (bundled en-us model) on one manifest, one process.

Prints WER, CER (jiwer, on normalised text) and real-time factor (processing seconds per
second of audio, audio already in memory, batch transcription) of both.

    python benchmarks/asr_vs_pocketsphinx.py                       # the tts-speech dev set
    python benchmarks/asr_vs_pocketsphinx.py MANIFEST.tsv --beam 8
    python benchmarks/asr_vs_pocketsphinx.py --human               # Debian pocketsphinx-testdata

``--human`` builds a manifest from the transcribed human recordings that Debian's
``pocketsphinx-testdata`` ships (cards, LibriVox, 'go forward'); far too few to train on.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _cli import make_parser, table_printer  # noqa: E402

TESTDATA = Path("/usr/share/pocketsphinx/test/data")


def human_manifest(out_dir: Path) -> Path:
    """Write a path<TAB>transcript manifest of pocketsphinx-testdata's human recordings."""
    import soundfile as sf

    rows = []
    for line in (TESTDATA / "cards" / "cards.transcription").read_text().splitlines():
        m = re.match(r"<s>(.*)</s>\s*\((\w+)\)", line.strip())
        if m:
            rows.append((TESTDATA / "cards" / f"{m.group(2)}.wav", m.group(1)))
    for line in (TESTDATA / "librivox" / "transcription").read_text().splitlines():
        m = re.match(r"<s>(.*)</s>\s*\(([\w-]+)\)", line.strip())
        if m:
            rows.append((TESTDATA / "librivox" / f"{m.group(2)}.wav", m.group(1)))
    raw = TESTDATA / "goforward.raw"
    if raw.exists():  # 16 kHz 16-bit mono headerless; its transcript is in pocketsphinx's own tests
        wav = out_dir / "goforward.wav"
        sf.write(wav, np.fromfile(raw, dtype="<i2"), 16000, subtype="PCM_16")
        rows.append((wav, "go forward ten meters"))
    manifest = out_dir / "human.tsv"
    manifest.write_text("".join(f"{p}\t{' '.join(t.split())}\n" for p, t in rows))
    return manifest


def _pcm16(audio) -> bytes:
    x = audio.to_mono().resample(16000).mono
    return (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()


def run_pocketsphinx(audios) -> tuple[list[str], float]:
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=16000, loglevel="FATAL")
    pcm = [_pcm16(a) for a in audios]
    hyps = []
    tic = time.perf_counter()
    for data in pcm:
        decoder.start_utt()
        decoder.process_raw(data, full_utt=True)
        decoder.end_utt()
        hyp = decoder.hyp()
        hyps.append(hyp.hypstr if hyp is not None else "")
    return hyps, time.perf_counter() - tic


def run_sonitus(audios, *, model: str | None, beam: int, lm: bool) -> tuple[list[str], float]:
    from sonitus.plugins.asr.recognizer import CTCRecognizer

    rec = CTCRecognizer(model, beam=beam, lm=lm)
    rec.logprobs(audios)  # compile every batch shape outside the timing
    tic = time.perf_counter()
    hyps = [t.text for t in rec.transcribe(audios)]
    return hyps, time.perf_counter() - tic


def main(argv: list[str] | None = None) -> dict:
    import jiwer
    from sonitus import Audio
    from sonitus.manifests import read_manifest
    from sonitus.text import normalize

    parser = make_parser(__doc__)
    parser.add_argument("manifest", nargs="?", default=None, help="default: the tts-speech dev.tsv")
    parser.add_argument("--human", action="store_true", help="use pocketsphinx-testdata's human recordings")
    parser.add_argument("--model", default=None, help="sonitus checkpoint (default: shipped)")
    parser.add_argument("--beam", type=int, default=8)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    say = table_printer(args.json)

    tmp = Path(tempfile.mkdtemp(prefix="asr-bench-"))
    if args.human:
        manifest = human_manifest(tmp)
    elif args.manifest:
        manifest = Path(args.manifest)
    else:
        from sonitus.plugins.tts_speech import default_root

        manifest = Path(default_root()) / "dev.tsv"
    rows = read_manifest(manifest)[: args.limit]
    audios = [Audio.load(p) for p, _ in rows]
    refs = [normalize(t) for _, t in rows]
    seconds = sum(a.duration for a in audios)
    systems = {}
    hyps, t = run_pocketsphinx(audios)
    systems["pocketsphinx en-us"] = ([normalize(re.sub(r"\(\d+\)|<[^>]+>|\[[^]]+\]", " ", h)) for h in hyps], t)
    systems["sonitus greedy"] = run_sonitus(audios, model=args.model, beam=1, lm=False)
    if args.beam > 1:
        systems[f"sonitus beam {args.beam} + LM"] = run_sonitus(audios, model=args.model, beam=args.beam, lm=True)
    result = {"manifest": str(manifest), "utterances": len(rows), "audio_seconds": round(seconds, 1), "systems": {}}
    say(f"{manifest}: {len(rows)} utterances, {seconds:.1f} s of audio")
    say(f"{'system':28s} {'WER':>7s} {'CER':>7s} {'RTF':>8s}")
    for name, (hyp, t) in systems.items():
        hyp = list(hyp)
        wer, cer = jiwer.wer(refs, hyp), jiwer.cer(refs, hyp)
        result["systems"][name] = {"wer": round(wer, 4), "cer": round(cer, 4), "rtf": round(t / seconds, 5)}
        say(f"{name:28s} {wer:7.3f} {cer:7.3f} {t / seconds:8.4f}")
    ps = result["systems"]["pocketsphinx en-us"]["wer"]
    best = min(v["wer"] for k, v in result["systems"].items() if k.startswith("sonitus"))
    say(f"sonitus best WER / PocketSphinx WER = {best / max(ps, 1e-9):.2f} (target <= 0.5)")
    if args.json:
        print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
