"""Teaching Whisper new words: `sonitus train whisper` on invented names, measured before and after.

The set is built the way a user meets the problem: 30 invented brand and place names in
sentences. Training utterances are spoken by espeak-ng and Festival voices; test sentences
(new sentences, the same names) by flite's voices, an engine that never trains. Prints:
invented-word recall on the test voices (a name counts when its normalised spelling is among
the hypothesis' words), WER on general English (Harvard sentences lists 1-2, flite) before and
after (does the model forget?), and the wall time of fine-tuning (encoder cache built included).

    python benchmarks/whisper_finetune.py                 # tiny.en, 300 steps, full decoder
    python benchmarks/whisper_finetune.py --lora 16 --steps 300 --json
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _cli import make_parser, table_printer  # noqa: E402
from whisper import FLITE_VOICES, HARVARD  # noqa: E402

WORDS = ("Zorvex Kalindra Brumwick Tessaline Quorvane Pellaris Vandrigo Mirelle Oskatoon Drevlin Sunmara "
         "Halvoria Corbenix Threlkeld Ystrada Fennimore Laxtuna Gorvash Belquist Tamriko Wexcombe Nuvalia "
         "Prestwold Ardenza Killowen Sarvitek Obrenmoor Castavia Dunmerrow Rivelka").split()
TRAIN_TEMPLATES = ("I heard that {w} is opening a new office.", "Have you ever been to {w} in the spring?",
                   "The report from {w} arrived this morning.", "We should ask {w} about the price.")
TEST_TEMPLATES = ("My cousin told me about {w} yesterday.", "Nobody at the meeting had heard of {w}.")
TRAIN_VOICES = (("espeak", "en-us"), ("espeak", "en"), ("festival", "kal_diphone"), ("festival", "ked_diphone"))


def _write(rows, path: Path) -> str:
    path.write_text("".join(f"{p}\t{t}\n" for p, t in rows))
    return str(path)


def build(out: Path) -> tuple[str, list[tuple[str, str, str]], str]:
    """(train manifest, [(wav, sentence, word)] test rows, general-English manifest)."""
    from sonitus import Audio
    from sonitus.tts import Voice, synthesize

    train = []
    for i, word in enumerate(WORDS):
        for j, template in enumerate(TRAIN_TEMPLATES):
            engine, name = TRAIN_VOICES[(i + j) % len(TRAIN_VOICES)]
            path = out / f"train-{i:02d}-{j}.wav"
            Audio(synthesize(template.format(w=word), Voice(engine, name)), 16000).save(path)
            train.append((path, template.format(w=word)))
    test = []
    for i, word in enumerate(WORDS):
        for j, template in enumerate(TEST_TEMPLATES):
            path = out / f"test-{i:02d}-{j}.wav"
            voice = FLITE_VOICES[(i + j) % len(FLITE_VOICES)]
            subprocess.run(["flite", "-voice", voice, "-t", template.format(w=word), "-o", str(path)], check=True)
            test.append((str(path), template.format(w=word), word))
    general = []
    for i, sentence in enumerate(HARVARD):
        path = out / f"general-{i:02d}.wav"
        subprocess.run(["flite", "-voice", FLITE_VOICES[i % len(FLITE_VOICES)], "-t", sentence, "-o", str(path)],
                       check=True)
        general.append((path, sentence))
    return _write(train, out / "train.tsv"), test, _write(general, out / "general.tsv")


def score(model: str, test, general: str) -> dict:
    import jiwer
    from sonitus import Audio
    from sonitus.dsl import recognize
    from sonitus.manifests import read_manifest
    from sonitus.text import normalize

    pipeline = recognize(model=model)
    hyps = [t.text for t in pipeline.map([Audio.load(p) for p, _, _ in test])]
    recall = np.mean([normalize(word) in normalize(h).split() for (_, _, word), h in zip(test, hyps)])
    rows = read_manifest(general)
    general_hyps = [t.text for t in pipeline.map([Audio.load(p) for p, _ in rows])]
    wer = jiwer.wer([normalize(t) for _, t in rows], [normalize(h) for h in general_hyps])
    test_wer = jiwer.wer([normalize(s) for _, s, _ in test], [normalize(h) for h in hyps])
    return {"invented_word_recall": round(float(recall), 3), "test_wer": round(float(test_wer), 4),
            "general_wer": round(float(wer), 4), "examples": hyps[:4]}


def main(argv: list[str] | None = None) -> dict:
    from sonitus.plugins.whisper.finetune import FinetuneConfig, train_whisper

    parser = make_parser(__doc__)
    parser.add_argument("--init", default="tiny.en")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--lora", type=int, default=0)
    parser.add_argument("--out", default=None, help="model folder (default: a temporary one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    say = table_printer(args.json)

    tmp = Path(tempfile.mkdtemp(prefix="whisper-finetune-"))
    train, test, general = build(tmp)
    before = score(args.init, test, general)
    say(f"{args.init}: invented-word recall {before['invented_word_recall']:.3f}, test WER {before['test_wer']:.3f}, "
        f"general English WER {before['general_wer']:.3f}", flush=True)
    out = Path(args.out) if args.out else tmp / "tuned"
    cache = tmp / "encoder-cache"  # a cold cache: its building is part of the time
    tic = time.perf_counter()
    recipe = train_whisper([train], out, FinetuneConfig(steps=args.steps, lora=args.lora), init=args.init,
                           cache=cache)
    seconds = time.perf_counter() - tic
    after = score(str(out), test, general)
    say(f"fine-tuned ({args.steps} steps, {'LoRA rank ' + str(args.lora) if args.lora else 'full decoder'}, "
        f"{seconds / 60:.1f} min with the encoder cache): invented-word recall {after['invented_word_recall']:.3f} "
        f"(goal >= 0.8), test WER {after['test_wer']:.3f}, general English WER {after['general_wer']:.3f} = "
        f"{after['general_wer'] / max(before['general_wer'], 1e-9):.2f}x the base model's (goal <= 1.1)")
    result = {"base": args.init, "steps": args.steps, "lora": args.lora, "minutes": round(seconds / 60, 2),
              "train_utterances": recipe["utterances"], "replay": recipe["replay"], "before": before, "after": after}
    if args.json:
        print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
