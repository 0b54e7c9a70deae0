"""A canon built from transformations: a subject, its diatonic transposition, inversion and augmentation."""

from sonitus.dsl import music as m

subject = m.seq("D4/8 E4/8 F4/8 G4/8 A4/4 F4/4 | E4/4 C#4/8 D4/8 E4/4 A3/4 | D4/2 r/2", key="D minor")
answer = subject.transpose_diatonic(4, "D minor")            # a fifth up, in the key
inversion = subject.invert(axis=62).transpose(-12)           # mirrored around D4, an octave down
bass = subject.augment(2).transpose(-24)                     # twice as slow, two octaves down

song = (m.song(tempo=88, meter="4/4", key="D minor")
        + m.track("violin", subject + answer + subject, name="voice 1")
        + m.track("viola", m.rest(4) + (subject + answer + subject).transpose_diatonic(4, "D minor"),
                  name="voice 2")  # the same line a fifth up, one bar later: a canon at the fifth
        + m.track("cello", m.rest(24) + inversion, name="voice 3")
        + m.track("contrabass", bass.retrograde(), name="bass"))
