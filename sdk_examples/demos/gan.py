"""Generated music: a new chorale from the shipped chorale GAN, layered with a written melody
line through the music DSL, rendered with FluidSynth, with its piano roll."""

from __future__ import annotations

import time
from pathlib import Path

from sonitus.dsl import music as m
from sonitus.dsl import save
from sonitus.plots import pianoroll_png


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    m.generate("chorale-gan", bars=8, seed=0)()  # load the model and compile
    start = time.perf_counter()
    score = m.generate("chorale-gan", bars=8, seed=11, key="G", tempo=72)()
    seconds = time.perf_counter() - start
    print(f"chorale-gan  8 bars in G, {score.notes} notes, {score.duration:.1f} s of music, written in "
          f"{seconds * 1000:.0f} ms")
    song = m.from_score(score) + m.track("flute", "D6/1 B5/1 C6/2 D6/1 G5/1 A5/2", velocity=64)
    wav = (song >> m.fluidsynth() >> save(out_dir / "chorale.wav")).run()
    song.to_score().save(out_dir / "chorale.mid")
    png = pianoroll_png(song.to_score(), out_dir / "chorale.png", title="chorale GAN (seed 11, G) + a written flute")
    print(f"             layered with a written flute line -> {wav.name}, {png.name}")
