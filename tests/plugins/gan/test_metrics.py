"""Chorale metrics on hand-made voice rolls with known answers."""

import math

import numpy as np
import pytest
from sonitus.plugins.gan.metrics import (
    empty_bar_rate,
    features,
    in_range_rate,
    overlap,
    overlaps,
    pitch_class_entropy,
    polyphony,
    qualified_note_rate,
    random_diatonic,
    voice_order_rate,
)
from sonitus.plugins.gan.rolls import REST, from_classes, notes_of, one_hot


def _roll(*lines):
    return np.array([lines], np.int8)


def test_notes_merge_held_pitches_and_skip_rests():
    line = np.array([60, 60, 62, REST, REST, 62, 62, 62], np.int8)
    assert notes_of(line) == [(60, 0, 2), (62, 2, 1), (62, 5, 3)]


def test_empty_bars_qualified_notes_polyphony():
    bar = 16
    soprano = [72] * bar + [REST] * bar  # second bar empty
    alto = [64, 65] * bar                # sixteenth notes only
    tenor = [REST] * 2 * bar
    bass = [48] * 2 * bar
    rolls = _roll(soprano, alto, tenor, bass)
    assert empty_bar_rate(rolls).tolist() == [0.5, 0.0, 1.0, 0.0]
    assert qualified_note_rate(rolls) == pytest.approx(2 / 34)  # soprano and bass notes of 16 and 32 steps
    # steps 0-15: 3 voices, 16-31: 2 voices
    assert polyphony(rolls) == pytest.approx(2.5)


def test_pitch_class_entropy():
    one = _roll([60] * 64, [72] * 64, [48] * 64, [36] * 64)  # only C: 0 bits
    four = _roll([60] * 64, [62] * 64, [64] * 64, [65] * 64)  # four classes equally: 2 bits
    assert pitch_class_entropy(one) == 0.0
    assert pitch_class_entropy(four) == pytest.approx(2.0)
    assert pitch_class_entropy(np.concatenate([one, four])) == pytest.approx(1.0)


def test_features_and_overlaps():
    rolls = _roll([60] * 4 + [64] * 4 + [62] * 8, [REST] * 16, [REST] * 16, [REST] * 16)
    f = features(rolls)
    assert f["pitch_range"].tolist() == [4]
    assert f["melodic_interval"].tolist() == [4, -2]
    assert f["inter_onset_interval"].tolist() == [4, 4]
    assert f["note_length"].tolist() == [4, 4, 8]
    assert f["pitch_class_transition"].reshape(12, 12)[0, 4] == 1
    assert overlap(np.array([1, 2]), np.array([1, 2])) == pytest.approx(1.0)
    assert overlap(np.array([1, 1]), np.array([3, 3])) == 0.0
    assert overlap(np.array([1, 2]), np.array([2, 3])) == pytest.approx(0.5)
    assert all(math.isclose(v, 1.0) for v in overlaps(rolls, rolls).values())


def test_voice_order_counts_crossed_steps_and_skips_lone_voices():
    # step 0 in order, step 1 unison (in order), step 2 alto above soprano (crossed),
    # step 3 tenor below bass (crossed), step 4 one voice only (not counted)
    rolls = _roll([72, 67, 64, 72, 60], [64, 67, 65, 64, REST], [55, 60, 55, 45, REST], [48, 48, 48, 48, REST])
    assert voice_order_rate(rolls) == pytest.approx(2 / 4)
    assert voice_order_rate(_roll([60], [REST], [REST], [REST])) == 1.0


def test_in_range_rate_per_voice():
    # soprano: C5 in range, B3 below it; alto: one note in range; tenor: rests only; bass: E4 above 62
    rolls = _roll([72] * 4 + [59] * 4, [60] * 8, [REST] * 8, [64] * 8)
    assert in_range_rate(rolls).tolist() == [0.5, 1.0, 1.0, 0.0]


def test_random_baseline_stays_diatonic_and_in_range():
    rolls = _roll([60] * 2 + [62] * 2 + [64] * 4 + [65] * 8, [57] * 16, [52] * 16, [48] * 16)
    fake = random_diatonic(rolls, 5, seed=1)
    assert fake.shape == (5, 4, 16)
    pitches = fake[fake != REST]
    assert set((pitches % 12).tolist()) <= {0, 2, 4, 5, 7, 9, 11}
    assert fake[:, 0].min() >= 60 and fake[:, 3].max() <= 62


def test_one_hot_round_trip():
    rolls = _roll([60, 60, REST, 31], [86, REST, 50, 50], [40] * 4, [REST] * 4)
    hot = one_hot(rolls)
    assert hot.shape == (1, 4, 57, 4) and np.all(hot.sum(axis=2) == 1)
    back = from_classes(np.swapaxes(hot.argmax(axis=2), 1, 2))
    np.testing.assert_array_equal(back, rolls)
