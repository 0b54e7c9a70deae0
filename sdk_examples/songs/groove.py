"""A drum groove: a Euclidean hi-hat over a backbeat, with a bass riff, two bars repeated."""

from sonitus.dsl import music as m

beat = m.seq("kick/8 kick/8 r/4 kick/8 kick/8 r/4 | kick/4 r/4 kick/8 r/8 kick/4", drums=True)
backbeat = m.seq("r/4 snare/4 r/4 snare/4 | r/4 snare/4 r/4 snare/8 clap/8", drums=True)
hats = m.euclid(7, 16, m.DRUMS["hat"], step=0.25, velocity=70).repeat(2)
riff = m.seq("E2/8 E2/8 G2/8 E2/8 A2/8 E2/8 B2/8 A2/8 | E2/8 E2/8 G2/8 E2/8 D3/8 B2/8 A2/8 G2/8'")

song = (m.song(tempo=104)
        + m.drums((beat & backbeat & hats).repeat(2))
        + m.track("electric bass (finger)", riff.repeat(2), name="bass"))
