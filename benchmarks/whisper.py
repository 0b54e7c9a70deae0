"""sonitus's Whisper (our Flax code) vs faster-whisper (CTranslate2) on the same weights, and
PocketSphinx, side by side in one process.

Sets: the transcribed human recordings of Debian's ``pocketsphinx-testdata``, Harvard
sentences spoken by flite's voices (Debian ``flite``; sonitus never trained on flite), and
(multilingual models) sentences written here in German, Spanish, French and Italian spoken by
espeak-ng, where both engines detect the language. Prints WER and CER (jiwer, on normalised
text: sonitus.text.normalize for English, normalize_basic for the others), language accuracy,
wall time of batch transcription (audio in memory; the second of two passes over the set, the
steady state), real-time factor, the first pass's wall time (sonitus compiles there what its
persistent cache lacks), cold start (load + first clip) and the resident memory each engine
added: at its peak (sampled every 5 ms) and kept at its end.
The English sets are decoded as English by both engines (``language="en"``).

    python benchmarks/whisper.py                 # human and flite, tiny.en, beam 5
    python benchmarks/whisper.py --set human --json
    python benchmarks/whisper.py --model base --set all
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _cli import make_parser, table_printer  # noqa: E402
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

#: everyday sentences written for this benchmark, five a language (espeak-ng voices de, es, fr, it)
SENTENCES = {
    "de": ["Der Zug nach Berlin fährt heute eine Stunde später ab.",
           "Meine Schwester kauft jeden Samstag frisches Brot beim Bäcker.",
           "Im Winter liegt auf den Bergen oft sehr viel Schnee.",
           "Kannst du mir bitte sagen, wie spät es ist?",
           "Die Kinder spielen nach der Schule im großen Garten."],
    "es": ["El tren a Madrid sale hoy una hora más tarde.",
           "Mi hermana compra pan fresco en la panadería cada sábado.",
           "En invierno las montañas están cubiertas de nieve.",
           "¿Puedes decirme qué hora es, por favor?",
           "Los niños juegan en el jardín después de la escuela."],
    "fr": ["Le train pour Paris part aujourd'hui avec une heure de retard.",
           "Ma sœur achète du pain frais à la boulangerie chaque samedi.",
           "En hiver, il y a souvent beaucoup de neige sur les montagnes.",
           "Peux-tu me dire quelle heure il est, s'il te plaît ?",
           "Les enfants jouent dans le grand jardin après l'école."],
    "it": ["Il treno per Roma parte oggi con un'ora di ritardo.",
           "Mia sorella compra il pane fresco dal fornaio ogni sabato.",
           "D'inverno sulle montagne c'è spesso molta neve.",
           "Puoi dirmi che ore sono, per favore?",
           "I bambini giocano nel grande giardino dopo la scuola."],
}


def flite_set(out: Path, sentences: int) -> list[tuple[Path, str]]:
    if shutil.which("flite") is None:
        raise SystemExit("The flite set needs Debian's flite (sudo apt-get install flite); or run --set human.")
    rows = []
    for voice in FLITE_VOICES:
        for i, sentence in enumerate(HARVARD[:sentences]):
            path = out / f"flite-{voice}-{i:02d}.wav"
            subprocess.run(["flite", "-voice", voice, "-t", sentence, "-o", str(path)], check=True)
            rows.append((path, sentence))
    return rows


def multilingual_set(out: Path) -> list[tuple[Path, str, str]]:
    """(wav, sentence, language) for every sentence of :data:`SENTENCES`, spoken by espeak-ng."""
    rows = []
    for language, sentences in SENTENCES.items():
        for i, sentence in enumerate(sentences):
            path = out / f"espeak-{language}-{i}.wav"
            subprocess.run(["espeak-ng", "-v", language, "-w", str(path), sentence], check=True)
            rows.append((path, sentence, language))
    return rows


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


class MemoryWatch:
    """Resident memory an engine added while a ``with`` block ran: ``peak`` (sampled every 5 ms)
    and ``kept`` (at the end), MB over what the process held when the block began."""

    def __init__(self):
        self.peak = self.kept = 0.0

    def __enter__(self) -> MemoryWatch:
        self._base, self._running = rss_mb(), True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while self._running:
            self.peak = max(self.peak, rss_mb() - self._base)
            time.sleep(0.005)

    def __exit__(self, *exc) -> None:
        self._running = False
        self._thread.join()
        self.kept = rss_mb() - self._base
        self.peak = max(self.peak, self.kept)


def two_passes(transcribe_all):
    """``(result, first pass s, second pass s)``: the first pass pays for whatever an engine
    builds on first sight of a shape (sonitus compiles what its persistent cache lacks); the
    second is the steady state a batch job runs at."""
    tic = time.perf_counter()
    transcribe_all()
    first = time.perf_counter() - tic
    tic = time.perf_counter()
    result = transcribe_all()
    return result, first, time.perf_counter() - tic


def run_sonitus(folder: str, waves, beam: int, language: str | None, audio_context: str = "full", adapter=None):
    from sonitus.plugins.whisper.runtime import load_runtime
    from sonitus.plugins.whisper.transcribe import TranscribeOptions, transcribe_waves

    tic = time.perf_counter()
    rt = load_runtime(folder, adapter=adapter)
    options = TranscribeOptions(beam=beam, word_timestamps=False, audio_context=audio_context,
                                language=language if rt.tokenizer.multilingual else None)
    transcribe_waves(rt, waves[:1], options)
    cold = time.perf_counter() - tic
    results, first, wall = two_passes(lambda: transcribe_waves(rt, waves, options))
    english_only = None if rt.tokenizer.multilingual else "en"  # an .en model speaks nothing else
    return [r.text for r in results], [r.language or english_only for r in results], wall, first, cold


def run_faster_whisper(folder: str, waves, beam: int, compute_type: str, language: str | None):
    from faster_whisper import WhisperModel

    tic = time.perf_counter()
    model = WhisperModel(folder, device="cpu", compute_type=compute_type, cpu_threads=2)
    if not model.model.is_multilingual:
        language = "en"
    list(model.transcribe(waves[0], beam_size=beam, language=language)[0])
    cold = time.perf_counter() - tic

    def transcribe_all():
        hyps, languages = [], []
        for w in waves:
            segments, info = model.transcribe(w, beam_size=beam, language=language)
            hyps.append("".join(s.text for s in segments).strip())
            languages.append(info.language)
        return hyps, languages

    (hyps, languages), first, wall = two_passes(transcribe_all)
    return hyps, languages, wall, first, cold


def main(argv: list[str] | None = None) -> dict:
    import jiwer
    from sonitus import Audio
    from sonitus.manifests import read_manifest
    from sonitus.plugins.whisper.clip_adapter import adapter_for
    from sonitus.plugins.whisper.frontend import AUDIO_CONTEXTS
    from sonitus.plugins.whisper.models import resolve_model
    from sonitus.text import normalize_for

    parser = make_parser(__doc__)
    parser.add_argument("--set", choices=("human", "flite", "multilingual", "both", "all"), default="both",
                        help="both: human and flite; all: those and multilingual (a multilingual model)")
    parser.add_argument("--model", default=None, help="Whisper model name or folder (default tiny.en)")
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--sentences", type=int, default=10, help="Harvard sentences per flite voice")
    parser.add_argument("--audio-context", choices=AUDIO_CONTEXTS, default="full",
                        help="what sonitus's encoder hears of a short clip (docs/asr.md, 'Short clips')")
    parser.add_argument("--no-peers", action="store_true", help="sonitus only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    say = table_printer(args.json)

    folder = str(resolve_model(args.model))
    # the clip context runs a packaged model with its clip-context adapter, as the recogniser does
    adapter = adapter_for(args.model) if args.audio_context == "clip" else None
    tmp = Path(tempfile.mkdtemp(prefix="whisper-bench-"))
    sets: dict[str, list[tuple[Path, str, str | None]]] = {}
    if args.set in ("human", "both", "all"):
        sets["human"] = [(Path(p), t, "en") for p, t in read_manifest(human_manifest(tmp))]
    if args.set in ("flite", "both", "all"):
        sets["flite"] = [(p, t, "en") for p, t in flite_set(tmp, args.sentences)]
    if args.set in ("multilingual", "all"):
        sets["multilingual"] = multilingual_set(tmp)
    result: dict = {"model": folder, "beam": args.beam, "audio_context": args.audio_context, "sets": {}}
    for name, rows in sets.items():
        audios = [Audio.load(p).to_mono().resample(16000) for p, _, _ in rows]
        waves = [a.mono.astype(np.float32) for a in audios]
        truth = [language for _, _, language in rows]
        given = "en" if set(truth) == {"en"} else None  # English sets: both told; the others: both detect
        refs = [normalize_for(language)(t) for (_, t, _), language in zip(rows, truth)]
        seconds = sum(a.duration for a in audios)
        engines = {}
        with MemoryWatch() as memory:
            run = run_sonitus(folder, waves, args.beam, given, args.audio_context, adapter)
        engines["sonitus whisper (Flax)"] = (*run, memory)
        if not args.no_peers:
            for compute in ("float32", "int8"):
                with MemoryWatch() as memory:
                    run = run_faster_whisper(folder, waves, args.beam, compute, given)
                engines[f"faster-whisper {compute}"] = (*run, memory)
            if given == "en":
                with MemoryWatch() as memory:
                    hyps, t = run_pocketsphinx(audios)
                hyps = [re.sub(r"\(\d+\)|<[^>]+>|\[[^]]+\]", " ", h) for h in hyps]
                engines["pocketsphinx en-us"] = (hyps, ["en"] * len(hyps), t, float("nan"), float("nan"), memory)
        say(f"\n{name}: {len(rows)} utterances, {seconds:.1f} s of audio, beam {args.beam}"
            + ("" if given else ", language detected"))
        say(f"{'engine':26s} {'WER':>6s} {'CER':>6s} {'lang':>5s} {'wall s':>7s} {'RTF':>7s} {'1st s':>7s} "
            f"{'cold s':>7s} {'peak MB':>8s} {'kept MB':>8s}")
        table = {}
        for engine, (hyps, languages, wall, first, cold, memory) in engines.items():
            hyps = [normalize_for(language)(h) for h, language in zip(hyps, truth)]
            wer, cer = jiwer.wer(refs, hyps), jiwer.cer(refs, hyps)
            right = float(np.mean([a == b for a, b in zip(languages, truth)]))
            row = {"wer": round(wer, 4), "cer": round(cer, 4), "language_accuracy": round(right, 3),
                   "wall_s": round(wall, 3), "rtf": round(wall / seconds, 4), "first_pass_s": round(first, 2),
                   "cold_s": round(cold, 2),
                   "rss_peak_mb": round(memory.peak), "rss_kept_mb": round(memory.kept)}
            if not given:
                row["cer_by_language"] = {
                    code: round(jiwer.cer([r for r, t in zip(refs, truth) if t == code],
                                          [h for h, t in zip(hyps, truth) if t == code]), 4)
                    for code in dict.fromkeys(truth)}
            table[engine] = row
            say(f"{engine:26s} {wer:6.3f} {cer:6.3f} {right:5.2f} {wall:7.2f} {wall / seconds:7.4f} {first:7.2f} "
                f"{cold:7.2f} {memory.peak:8.0f} {memory.kept:8.0f}")
            if not given:
                say(" " * 27 + "CER " + "  ".join(f"{k} {v:.3f}" for k, v in row["cer_by_language"].items()))
        ours = table["sonitus whisper (Flax)"]
        if "faster-whisper float32" in table:
            peer = table["faster-whisper float32"]
            say(f"sonitus wall / faster-whisper float32 wall = {ours['wall_s'] / peer['wall_s']:.2f} "
                f"(goal <= 1.5); WER {ours['wer']:.3f} vs {peer['wer']:.3f}; language right "
                f"{ours['language_accuracy']:.2f} vs {peer['language_accuracy']:.2f}")
        result["sets"][name] = {"utterances": len(rows), "audio_seconds": round(seconds, 1), "engines": table}
    if args.json:
        print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
