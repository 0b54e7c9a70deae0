"""FluidSynth rendering: sonitus's one-pass renderer vs ``pretty_midi.PrettyMIDI.fluidsynth``.

The same 3-minute, 8-track General MIDI score, the same SoundFont and sample rate.
Prints seconds, times real time, the ratio, and a check that the same notes are audible
(correlation of the two renderings' onset-strength envelopes).
Run: ``.venv/bin/python benchmarks/render.py``.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _cli import make_parser  # noqa: E402

SR = 44100


def eight_track_score():
    from sonitus.dsl import music as m

    bars = 90  # 90 bars of 4/4 at 120 bpm = 3 minutes
    chords = m.progression("C Am F G7 C Am", beats=4, octave=3, velocity=60).repeat(bars // 6)
    unit = m.seq("E5/8 G5 A5 G5 E5/4 D5/4 | C5/8 D5 E5 G5 A5/2", velocity=85)
    melody = unit.repeat(bars // 2)
    return (m.song(tempo=120)
            + m.track("piano", chords, name="piano")
            + m.track("strings", chords.transpose(12).legato(), name="strings")
            + m.track("flute", melody, name="flute")
            + m.track("clarinet", melody.transpose(-12).diminish(1), name="clarinet")
            + m.track("acoustic bass", m.seq("C2/4 G2 A2 E2 | F2 C3 G2 D3").repeat(bars // 2), name="bass")
            + m.track("vibraphone", chords.arpeggiate(step=0.5).transpose(12), name="vibes")
            + m.track("trumpet", unit.augment(2).transpose(-5).repeat(bars // 4), name="trumpet")
            + m.drums((m.seq("kick/4 hat snare hat", drums=True)).repeat(bars), name="drums")).to_score()


def onset_envelope(audio: np.ndarray) -> np.ndarray:
    from sonitus.dsp.features import logmel

    mel = np.asarray(logmel(audio.astype(np.float32), sample_rate=SR, n_mels=64, hop_length=1024))
    return np.maximum(0, np.diff(mel, axis=1)).mean(axis=0)


def main() -> None:
    make_parser(__doc__).parse_args()
    from sonitus.plugins.music.renderer import FluidSynthRenderer, default_soundfont

    score = eight_track_score()
    soundfont = default_soundfont()
    print(f"score: {len(score.midi.instruments)} tracks, {score.notes} notes, {score.duration:.0f} s; "
          f"SoundFont {soundfont.name}")
    renderer = FluidSynthRenderer(soundfont=soundfont, sample_rate=SR, tail=0.0)
    start = time.perf_counter()
    ours = renderer(score).mono
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = score.midi.fluidsynth(fs=SR, synthesizer=str(soundfont))
    t_theirs = time.perf_counter() - start
    print(f"  pretty_midi  {t_theirs:6.2f} s  ({score.duration / t_theirs:6.1f}x real time)")
    print(f"  sonitus      {t_ours:6.2f} s  ({score.duration / t_ours:6.1f}x real time)   "
          f"sonitus is {t_theirs / t_ours:.2f}x faster")
    n = min(len(ours), len(theirs))
    a, b = onset_envelope(ours[:n]), onset_envelope(theirs[:n])
    print(f"  same notes audible: onset-envelope correlation {np.corrcoef(a, b)[0, 1]:.3f}")


if __name__ == "__main__":
    main()
