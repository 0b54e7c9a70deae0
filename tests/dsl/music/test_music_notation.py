from fractions import Fraction

import pytest
from sonitus.dsl import music as m
from sonitus.errors import DSLSyntaxError, MusicError


def test_notes_durations_dots_rests_and_chords():
    p = m.seq("C4/8 E4/8 G4/4 [C4 E4 G4]/2. r/4")
    assert [(n.pitch, n.start, n.duration) for n in p.notes] == [
        (60, 0, Fraction(1, 2)), (64, Fraction(1, 2), Fraction(1, 2)), (67, 1, 1),
        (60, 2, 3), (64, 2, 3), (67, 2, 3)]
    assert p.length == 6


def test_sticky_durations_tuplets_midi_numbers_and_accidentals():
    p = m.seq("C#4/8t Db4 60 Bb-1/16:5 B#3/4..")
    assert [n.pitch for n in p.notes] == [61, 61, 60, 10, 60]
    assert [n.duration for n in p.notes] == [Fraction(1, 3)] * 3 + [Fraction(1, 5), Fraction(7, 4)]


def test_velocity_dynamics_and_articulation():
    p = m.seq("C4!ff D4!40 E4' F4~ G4> A4!mp B4")
    assert [n.velocity for n in p.notes] == [112, 40, 40, 40, 60, 64, 64]  # a dynamic holds, an accent does not
    assert [n.gate for n in p.notes] == [0.95, 0.95, 0.5, 1.0, 0.95, 0.95, 0.95]


def test_groups_repeat_and_bar_lines_and_comments():
    p = m.seq("(C4/8 D4)*3 | E4/2  # a comment\n F4")
    assert [n.pitch for n in p.notes] == [60, 62] * 3 + [64, 65]
    assert p.length == Fraction(3) + 2 + 2


def test_keys_read_and_print_by_name():
    from sonitus.dsl.music import Key

    assert repr(Key(tonic=9)) == "Key.parse('A major')" and str(Key(10, "minor")) == "Bb minor"
    assert Key.parse(str(Key(6, "dorian"))) == Key(6, "dorian")


def test_scale_degrees_need_and_use_a_key():
    assert m.seq("^1 ^3 ^5 ^8 ^b7 ^0", key="D dorian").pitches() == [62, 65, 69, 74, 71, 60]
    with pytest.raises(DSLSyntaxError, match="need a key"):
        m.seq("^1")


@pytest.mark.parametrize("text,line,column,expected", [
    ("C4/8 E4/8\nG4/4 [C4 E G4]/2", 2, 11, "octave"),
    ("C4 (D4 E4", 1, 10, "')'"),
    ("C4/x", 1, 4, "a number"),
    ("C4 ]", 1, 4, "a note"),
    ("C4!loud", 1, 4, "pp"),
    ("C4/4!zz D4", 1, 6, "unknown dynamic 'zz'"),
    ("!ff C4/4", 1, 1, "not !ff C4/4"),
    ("C4/3 D4", 1, 4, "a triplet is /8t"),
])
def test_syntax_errors_name_line_column_and_expectation(text, line, column, expected):
    with pytest.raises(DSLSyntaxError) as info:
        m.seq(text)
    assert (info.value.line, info.value.column) == (line, column)
    assert expected in str(info.value) and f"line {line}, column {column}" in str(info.value)


def test_pitches_outside_midi_are_errors_not_wraps():
    with pytest.raises(DSLSyntaxError, match="outside the MIDI range"):
        m.seq("G9 G#9")
    with pytest.raises(MusicError, match="outside the MIDI range"):
        m.seq("C8").transpose(60)
    with pytest.raises(MusicError):
        m.parse_pitch("C-2")


def test_unknown_names_list_close_matches():
    with pytest.raises(DSLSyntaxError, match="Did you mean.*Cmaj7"):
        m.seq("@Cmja7")
    with pytest.raises(MusicError, match="Did you mean.*Cmaj7"):
        m.chord("Cmja7")
    with pytest.raises(MusicError, match="Did you mean 'violin'"):
        m.track("vilin", "C4")
    with pytest.raises(MusicError) as twice:  # an alias that is also a GM name is offered once
        m.track("violn", "C4")
    assert str(twice.value).count("'violin'") == 1 and str(twice.value).count("'viola'") == 1
    with pytest.raises(DSLSyntaxError, match="did you mean snare"):
        m.seq("snar", drums=True)


def test_drums_are_on_channel_ten():
    score = (m.song() + m.drums("kick/4 snare hat/8 hat")).to_score()
    (drums,) = score.midi.instruments
    assert drums.is_drum and [n.pitch for n in drums.notes] == [36, 38, 42, 42]


def test_huge_or_nested_repeats_are_refused_quickly():
    from sonitus.dsl import music as m
    from sonitus.errors import SonitusError

    for text in ("(C4)*100000000", "(" * 31 + "C4" + ")*2" * 31):  # used to hang / fill memory
        with pytest.raises(SonitusError, match="notes"):
            m.seq(text)


def test_building_is_linear_in_notes():
    from sonitus.dsl import music as m

    phrase = m.seq("(C4/16 D4 E4 F4)*2000")
    assert len(phrase.notes) == 8000 and phrase.notes[-1].start == pytest.approx(7999 / 4)
