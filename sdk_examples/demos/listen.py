"""Listening, and hum -> chorale: a melody rendered by FluidSynth (a "voice oohs" line, as if
hummed) is played back into ``analyze`` and ``to-midi``; the recovered notes are drawn over the
original piano roll, then harmonised by the chorale harmoniser into four parts."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sonitus import Score, get_registry
from sonitus.dsl import music as m
from sonitus.dsl import save, stage
from sonitus.plots import pianoroll_png

TUNE = "G4/4 A4 B4 G4 | D5/2 C5/4 B4 | A4/4 B4 C5/8 B4 A4/4 | G4/1"


def main(out_dir: Path) -> None:
    import pretty_midi

    out_dir.mkdir(parents=True, exist_ok=True)
    written = m.song(tempo=92).add(m.track("voice oohs", TUNE)).to_score()
    hummed = (written >> stage("fluidsynth", sample_rate=22050) >> save(out_dir / "hummed.wav")).run()
    audio = get_registry().stage("load")(str(hummed))

    from sonitus.plugins.listen.analysis import analyze

    start = time.perf_counter()
    found = analyze(audio)
    print(f"analyze      {found['tempo']:.1f} bpm (written at 92), key {found['key']} (written in G major), "
          f"{len(found['onsets'])} onsets, {len(found['beats'])} beats in {time.perf_counter() - start:.1f} s")

    melody = stage("melody", quantize="1/8")
    start = time.perf_counter()
    heard = melody(audio)
    heard.save(out_dir / "hummed.mid")
    truth = [n.pitch for n in written.midi.instruments[0].notes]
    got = [n.pitch for n in heard.midi.instruments[0].notes]
    same = sum(a == b for a, b in zip(truth, got))
    print(f"to-midi      {len(got)} notes heard ({same} of {len(truth)} written pitches in place) at "
          f"{melody.report['tempo']:.1f} bpm, on a 1/8 grid, in {time.perf_counter() - start:.1f} s -> hummed.mid")

    both = pretty_midi.PrettyMIDI(initial_tempo=heard.tempo)
    for name, score, offset in (("written", written, written.midi.instruments[0].notes[0].start),
                                ("heard", heard, 0.0)):
        inst = pretty_midi.Instrument(0, name=name)
        scale = 1.0 if name == "heard" else 92.0 / heard.tempo
        for n in score.midi.instruments[0].notes:
            inst.notes.append(pretty_midi.Note(n.velocity, n.pitch, (n.start - offset) / scale,
                                               (n.end - offset) / scale))
        both.instruments.append(inst)
    png = pianoroll_png(Score(both), out_dir / "heard-over-written.png", title="written (blue) and heard notes")
    print(f"             the heard notes over the written ones -> {png.name}")

    start = time.perf_counter()
    chorale = (heard >> stage("chorale-harmoniser", seed=2) >> save(out_dir / "hum-chorale.mid")).run()
    score = Score.load(chorale)
    kept = [n.pitch for n in score.midi.instruments[0].notes] == got
    wav = (score >> stage("fluidsynth") >> save(out_dir / "hum-chorale.wav")).run()
    lows = [np.mean([n.pitch for n in i.notes]) for i in score.midi.instruments]
    print(f"harmonise    the heard tune as the soprano ({'kept note for note' if kept else 'CHANGED'}), alto, "
          f"tenor and bass around MIDI {lows[1]:.0f}, {lows[2]:.0f}, {lows[3]:.0f}, in "
          f"{time.perf_counter() - start:.1f} s -> {wav.name}")
