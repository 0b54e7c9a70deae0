"""The classic recogniser: the article's HMM worked correctly, and the shipped hmm-words model on
freshly synthesised words from voices it never heard."""

from __future__ import annotations

import runpy
import time
from pathlib import Path

import numpy as np
from sonitus import Audio
from sonitus.dsl import stage

HERE = Path(__file__).resolve().parents[1]


def main(out_dir: Path) -> None:
    import jax

    x64 = jax.config.jax_enable_x64
    try:
        runpy.run_path(str(HERE / "hmm_article.py"), run_name="__main__")
    finally:  # the article turns on 64-bit JAX for itself; the demos after it run in 32 bits
        jax.config.update("jax_enable_x64", x64)
    from sonitus.tts import Voice, synthesize

    words = ["seven", "stop", "left", "yes", "nine", "down"]
    voices = [Voice("espeak", "en-us+klatt3", rate=150, pitch=40), Voice("festival", "ked_diphone", rate=100),
              Voice("espeak", "en-gb+m4", rate=200, pitch=65)]
    clips = [(w, v, Audio(synthesize(w, v), 16000)) for v in voices for w in words]
    recogniser = stage("hmm-words")
    start = time.perf_counter()
    results = recogniser.map([c for _, _, c in clips])
    seconds = time.perf_counter() - start
    correct = 0
    for (word, voice, _), result in zip(clips, results):
        correct += result.text == word
        w = result.words[0]
        print(f"  {voice.label:<24} said {word!r:<8} heard {result.text!r:<8} "
              f"({w.start:.2f}-{w.end:.2f} s, confidence {w.confidence:.2f})")
    print(f"hmm-words: {correct}/{len(clips)} correct on held-out voices in {seconds:.2f} s "
          f"({np.mean([r.score for r in results]):.1f} nats/frame)")
