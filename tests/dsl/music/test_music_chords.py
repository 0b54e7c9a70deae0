import pytest
from sonitus.dsl import music as m
from sonitus.music.chords import CHORD_QUALITIES

# Expected pitch classes above a C root, written out independently of the table.
EXPECTED = {
    "": {0, 4, 7}, "m": {0, 3, 7}, "dim": {0, 3, 6}, "aug": {0, 4, 8}, "sus2": {0, 2, 7}, "sus4": {0, 5, 7},
    "5": {0, 7}, "6": {0, 4, 7, 9}, "m6": {0, 3, 7, 9}, "7": {0, 4, 7, 10}, "maj7": {0, 4, 7, 11},
    "m7": {0, 3, 7, 10}, "mMaj7": {0, 3, 7, 11}, "dim7": {0, 3, 6, 9}, "m7b5": {0, 3, 6, 10},
    "aug7": {0, 4, 8, 10}, "7sus4": {0, 5, 7, 10}, "add9": {0, 2, 4, 7}, "madd9": {0, 2, 3, 7},
    "9": {0, 2, 4, 7, 10}, "maj9": {0, 2, 4, 7, 11}, "m9": {0, 2, 3, 7, 10}, "7b9": {0, 1, 4, 7, 10},
    "7#9": {0, 3, 4, 7, 10}, "11": {0, 2, 4, 5, 7, 10}, "m11": {0, 2, 3, 5, 7, 10},
    "13": {0, 2, 4, 7, 9, 10}, "maj13": {0, 2, 4, 7, 9, 11},
}
SYNONYMS = {"maj": "", "M": "", "min": "m", "-": "m", "o": "dim", "+": "aug", "sus": "sus4", "M7": "maj7",
            "min7": "m7", "o7": "dim7", "ø": "m7b5"}


@pytest.mark.parametrize("quality", sorted(CHORD_QUALITIES))
@pytest.mark.parametrize("root,offset", [("C", 0), ("F#", 6), ("Bb", 10), ("E", 4)])
def test_every_quality_gives_its_pitch_classes(quality, root, offset):
    expected = EXPECTED[SYNONYMS.get(quality, quality)]
    pitches = m.chord_pitches(root + quality)
    assert {(p - offset) % 12 for p in pitches} == expected
    assert pitches[0] % 12 == offset  # root position


def test_every_quality_is_tested():
    assert set(CHORD_QUALITIES) == set(EXPECTED) | set(SYNONYMS)


def test_slash_chords_put_the_bass_below():
    pitches = m.chord_pitches("G7/B", octave=4)
    assert pitches[0] == 59 and sorted(p % 12 for p in pitches) == sorted({7, 11, 2, 5})
    assert m.chord_pitches("C/G")[0] == 55
