"""Offline speech synthesis: made-up espeak-ng speakers."""

import random
import shutil

import numpy as np
import pytest
from sonitus.tts import EspeakVariant, Voice, synthesize

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def test_a_variant_is_named_by_its_settings():
    a, b = EspeakVariant.random(random.Random(1)), EspeakVariant.random(random.Random(1))
    c = EspeakVariant.random(random.Random(2))
    assert a.name == b.name != c.name
    assert f"name {a.name}" in a.text() and a.text().count("formant") == 5


@needs_espeak
def test_a_made_up_speaker_speaks_at_its_own_pitch(tmp_path, monkeypatch):
    from sonitus.dsp.pitch import yin

    monkeypatch.setenv("SONITUS_CACHE_DIR", str(tmp_path))
    low = EspeakVariant(pitch=(70, 80))
    high = EspeakVariant(pitch=(220, 240))
    medians = []
    for variant in (low, high):
        samples = synthesize("so long and thanks for all the fish", Voice("espeak", "en-us", variant=variant))
        f0, dip = yin(samples, fmin=50, fmax=500, sample_rate=16000, frame_length=1024,
                      return_aperiodicity=True)
        medians.append(float(np.median(np.asarray(f0)[np.asarray(dip) < 0.2])))
    assert medians[0] < 110 < 180 < medians[1], medians
    assert (tmp_path / "espeak-ng" / high.name / "espeak-ng-data" / "voices" / "!v" / high.name).exists()
