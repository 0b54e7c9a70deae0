from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from sonitus.dsl import music as m
from sonitus.music.phrase import Note, Phrase

notes = st.builds(Note, pitch=st.integers(48, 72), start=st.fractions(0, 8, max_denominator=12),
                  duration=st.fractions(Fraction(1, 12), 4, max_denominator=12), velocity=st.integers(1, 127))
phrases = st.lists(notes, min_size=1, max_size=12).map(lambda ns: Phrase(tuple(ns)))


@settings(max_examples=60, deadline=None)
@given(phrases)
def test_retrograde_twice_is_identity(p):
    assert p.retrograde().retrograde() == p


@settings(max_examples=60, deadline=None)
@given(phrases)
def test_invert_twice_is_identity(p):
    assert p.invert().invert() == p
    assert p.invert(60).invert(60) == p


@settings(max_examples=60, deadline=None)
@given(phrases, st.integers(-12, 12), st.integers(-12, 12))
def test_transpose_is_additive(p, a, b):
    assert p.transpose(a).transpose(b) == p.transpose(a + b)
    assert p.transpose(0) == p


@settings(max_examples=40, deadline=None)
@given(phrases, st.integers(-5, 5), st.integers(-5, 5))
def test_diatonic_transpose_is_additive_on_the_scale(p, a, b):
    on_scale = Phrase(tuple(n for n in p.notes if n.pitch % 12 in (0, 2, 4, 5, 7, 9, 11)), p.length)
    assert on_scale.transpose_diatonic(a, "C major").transpose_diatonic(b, "C major") == \
        on_scale.transpose_diatonic(a + b, "C major")


@settings(max_examples=40, deadline=None)
@given(phrases)
def test_augment_then_diminish_is_identity(p):
    assert p.augment(3).diminish(3) == p


def test_concatenation_layering_repeat():
    a, b = m.seq("C4 D4"), m.seq("E4/2")
    assert (a + b).pitches() == [60, 62, 64] and (a + b).length == 4
    assert (a & b).length == 2 and sorted((a & b).pitches()) == [60, 62, 64]
    assert (a * 3).length == 6 == a.repeat(3).length


def test_diatonic_transposition_stays_in_key():
    assert m.seq("C4 E4 G4").transpose_diatonic(1, "C major").pitches() == [62, 65, 69]
    assert m.seq("A3 C4 E4").transpose_diatonic(2, "A minor").pitches() == [60, 64, 67]


def test_arpeggiate_and_euclid():
    arp = m.chord("C", 2).arpeggiate(step=Fraction(1, 2))
    assert arp.pitches() == [60, 64, 67, 60] and [n.start for n in arp.notes] == [0, Fraction(1, 2), 1, Fraction(3, 2)]
    tresillo = m.euclid(3, 8, 36, step=Fraction(1, 2))
    assert [n.start for n in tresillo.notes] == [0, Fraction(3, 2), 3] and tresillo.length == 4


def test_dynamics_and_crescendo():
    p = m.seq("C4 C4 C4 C4").crescendo("p", "ff")
    velocities = [n.velocity for n in p.notes]
    assert velocities[0] == 49 and velocities == sorted(velocities) and velocities[-1] < 112
    assert {n.velocity for n in p.velocity("pp").notes} == {33}
    assert {n.gate for n in p.staccato().notes} == {0.5}


def test_the_canon_example_is_heard_as_a_canon():
    """Voice 2 imitates voice 1 a bar later, a fifth up: they never sing the same line together."""
    import runpy
    from pathlib import Path

    import numpy as np

    path = Path(__file__).resolve().parents[3] / "sdk_examples" / "songs" / "canon.py"
    score = runpy.run_path(str(path))["song"].to_score()
    rolls = [inst.get_piano_roll(fs=20) > 0 for inst in score.midi.instruments[:2]]
    frames = max(r.shape[1] for r in rolls)
    one, two = (np.pad(r, ((0, 0), (0, frames - r.shape[1]))) for r in rolls)
    together = one.any(axis=0) & two.any(axis=0)
    unison = (one & two).any(axis=0) & together
    assert together.sum() > 100 and unison.sum() < 0.1 * together.sum()
