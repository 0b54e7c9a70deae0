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

    from sonitus.dsl import griffin_lim, stage

    note = (m.generate("notes-gan", pitch=55, instrument="brass", seed=3) >> griffin_lim()
            >> save(out_dir / "gan-note.wav")).run()
    print(f"notes-gan    one brass G3, generated as a spectrogram and phased by Griffin-Lim -> {note.name}")
    start = time.perf_counter()
    tune = m.song(tempo=96).add(m.track("strings", "G4/4 B4 D5 G5/2 F#5/4 D5 E5/2 C5/2 B4/1"))
    wav = (tune >> stage("notes-gan-synth", seed=1) >> save(out_dir / "gan-melody.wav")).run()
    print(f"             a written phrase played note by note by the notes GAN in "
          f"{time.perf_counter() - start:.1f} s -> {wav.name}")
