"""The generators under ``jax_enable_x64`` (which scientific programs turn on): they run, and a
seed gives the same music as in a 32-bit process."""

import json
import subprocess
import sys

PROGRAM = """
import json, sys
import jax
jax.config.update("jax_enable_x64", sys.argv[1] == "1")
import numpy as np
import pretty_midi
from sonitus import Score, stage

def notes(score):
    return [(n.pitch, round(n.start, 4), round(n.end, 4)) for i in score.midi.instruments for n in i.notes]

midi = pretty_midi.PrettyMIDI(initial_tempo=90.0)
tune = pretty_midi.Instrument(0)
for k, pitch in enumerate([67, 69, 71, 67, 74, 72, 71, 69]):
    tune.notes.append(pretty_midi.Note(90, pitch, k * 2 / 3, (k + 1) * 2 / 3))
midi.instruments.append(tune)
image = np.asarray(stage("notes-gan", pitch=60, seed=5)(None).magnitude)
print(json.dumps({"chorale-gan": notes(stage("chorale-gan", seed=3)(None)),
                  "chorale-harmoniser": notes(stage("chorale-harmoniser", seed=2)(Score(midi))),
                  "notes-gan": np.round(image[::16, ::8], 4).tolist()}))
"""


def _music(x64: bool) -> dict:
    run = subprocess.run([sys.executable, "-c", PROGRAM, "1" if x64 else "0"], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_a_seed_gives_the_same_music_with_64_bit_jax_as_without():
    ours, x64 = _music(False), _music(True)
    assert len(ours["chorale-harmoniser"]) > 8  # the tune and three more voices
    for name in ours:
        assert x64[name] == ours[name], name
