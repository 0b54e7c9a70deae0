from fractions import Fraction

import pretty_midi
import pytest
from sonitus import Score
from sonitus.dsl import music as m
from sonitus.errors import MusicError, ParameterError
from sonitus.music.song import TICKS_PER_BEAT
from sonitus.testing import make_registry, use_registry


def _notes(score):
    return sorted((i.program, i.is_drum, n.pitch, score.midi.time_to_tick(n.start), score.midi.time_to_tick(n.end),
                   n.velocity) for i in score.midi.instruments for n in i.notes)


def _song():
    return (m.song(tempo=96, meter="3/4")
            + m.track("piano", "C4/8 E4/8 G4/4 [C4 E4 G4]/2. r/4 A4/8t B4 C5")
            + m.track("violin", m.seq("G4/2 A4/4 | B4/2.").crescendo("p", "f"))
            + m.drums("kick/4 hat hat | kick/4 snare hat")).change_tempo(2, 120).change_meter(3, "4/4")


def test_dsl_to_score_matches_the_written_notes():
    song = _song()
    score = song.to_score()
    expected = sorted((t.program, t.is_drum, n.pitch, round(n.start * TICKS_PER_BEAT),
                       round(n.start * TICKS_PER_BEAT) + max(1, round(n.duration * Fraction(n.gate).limit_denominator(1000) * TICKS_PER_BEAT)),
                       n.velocity) for t in song.tracks for n in t.phrase.notes)
    assert _notes(score) == expected
    assert score.tempo == pytest.approx(96) and score.meter == "3/4"


def test_midi_file_round_trip_keeps_notes_programs_tempo_meter(tmp_path):
    score = _song().to_score()
    path = score.save(tmp_path / "song.mid")
    back = Score.load(path)
    assert _notes(back) == _notes(score)
    times, tempi = back.midi.get_tempo_changes()
    assert list(tempi) == pytest.approx([96, 120])
    assert [(t.numerator, t.denominator) for t in back.midi.time_signature_changes] == [(3, 4), (4, 4)]
    again = m.from_score(back).to_score()
    assert _notes(again) == _notes(score)


def test_any_midi_file_becomes_a_song_the_dsl_transforms(tmp_path):
    midi = pretty_midi.PrettyMIDI(initial_tempo=100)
    cello = pretty_midi.Instrument(program=42, name="cello")
    cello.notes += [pretty_midi.Note(90, 48, 0.0, 0.6), pretty_midi.Note(90, 55, 0.6, 1.2)]
    midi.instruments.append(cello)
    midi.write(str(tmp_path / "in.mid"))
    song = m.load(tmp_path / "in.mid").transpose(12)
    score = song.to_score()
    assert [n.pitch for n in score.midi.instruments[0].notes] == [60, 67]
    assert score.midi.instruments[0].program == 42
    assert score.midi.instruments[0].notes[1].start == pytest.approx(0.6, abs=1e-3)


def test_sections_and_arrangement():
    a = (m.track("piano", "C4/2 D4/2", name="keys"),)
    b = (m.track("piano", "G4/1", name="keys"), m.track("bass", "G2/1"))
    song = m.song().section("A", *a).section("B", *b).arrange("A A B A")
    keys = next(t for t in song.tracks if t.name == "keys")
    assert keys.phrase.pitches() == [60, 62, 60, 62, 67, 60, 62] and keys.phrase.length == 16
    bass = next(t for t in song.tracks if t.name == "bass")
    assert bass.phrase.notes[0].start == 8
    with pytest.raises(MusicError, match="unknown section"):
        song.arrange("A C")


def test_generate_wraps_a_registered_generator():
    from sonitus import hookimpl

    class Gen:
        @hookimpl
        def register_generators(self, register):
            register("toy-gen", lambda bars=1: (lambda _=None: (m.song() + m.track("piano", "C4/1" * 1)).to_score()),
                     produces=Score)

    with use_registry(make_registry(("gen", Gen()), builtins=True)):
        score = m.generate("toy-gen", bars=2).run()
        song = m.from_score(score).transpose(2) + m.track("flute", "A5/1")
        assert sorted(n.pitch for i in song.to_score().midi.instruments for n in i.notes) == [62, 81]
        with pytest.raises(ParameterError, match="generate\\(\\) takes a generator.*'fluidsynth' is a renderer"):
            m.generate("fluidsynth")


def test_load_reads_a_song_text_file_as_well_as_midi(tmp_path):
    from pathlib import Path

    waltz = Path(__file__).resolve().parents[3] / "sdk_examples" / "songs" / "waltz.txt"
    song = m.load(waltz)
    assert song.meter == "3/4" and len(song.tracks) == 3
    song.save(tmp_path / "waltz.mid")
    again = m.load(tmp_path / "waltz.mid")
    assert again.to_score().notes == song.to_score().notes
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00 not a song")
    with pytest.raises(ParameterError, match="is not a text file"):
        m.load(tmp_path / "binary.txt")
    with pytest.raises(ParameterError, match="does not exist"):
        m.load(tmp_path / "missing.txt")


def test_a_song_longer_than_midi_holds_is_refused_with_a_sentence():
    """pretty_midi calls a file with a tick past 10,000,000 corrupt: 20,833 beats at 480 a beat."""
    long = m.song(tempo=120) + m.track("piano", m.seq("C4/1") * 5300)  # 21,200 beats
    with pytest.raises(MusicError, match=r"21,200 beats long \(2\.9 h at 120 bpm\).*split it into parts"):
        long.to_score()
    assert (m.song(tempo=120) + m.track("piano", m.seq("C4/1") * 5200)).to_score().notes == 5200
