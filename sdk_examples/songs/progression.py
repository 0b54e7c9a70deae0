"""A chord progression with a melody: I-vi-IV-V in C, a flute over piano and bass."""

from sonitus.dsl import music as m

melody = m.seq("""
    E5/4 D5/8 C5/8 D5/4 E5/4 | E5/4 E5/2 r/4 | D5/4 D5/4 E5/8 D5/8 C5/4 | B4/2. r/4
    E5/4 G5/8 G5/8 A5/4 G5/4 | E5/4 C5/2 r/4 | D5/4 F5/4 E5/4 D5/4 | C5/1
""").crescendo("mp", "f")
chords = m.progression("C Am F G7", beats=4, octave=3, velocity=60).repeat(2)
bass = m.seq("C3/2 G2/2 | A2/2 E2/2 | F2/2 C3/2 | G2/2 D3/2").repeat(2)

song = (m.song(tempo=100, meter="4/4", key="C major")
        + m.track("flute", melody, name="melody")
        + m.track("piano", chords.arpeggiate(step=0.5), name="chords")
        + m.track("acoustic bass", bass, name="bass"))
