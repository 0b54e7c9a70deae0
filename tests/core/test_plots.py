"""Pictures: note names on the piano roll, Hz and word spans on the spectrogram."""

import numpy as np
from sonitus import Audio, Word
from sonitus.plots import note_name, pianoroll_png, spectrogram_png


def test_note_names():
    assert [note_name(p) for p in (21, 60, 61, 69, 108)] == ["A0", "C4", "C#4", "A4", "C8"]


def test_pictures_are_pngs(tmp_path):
    from sonitus.dsl import music as m

    roll = pianoroll_png((m.song() + m.track("piano", "C4/4 E4 G4")).to_score(), tmp_path / "r.png", title="t")
    t = np.arange(16000) / 16000
    audio = Audio(0.3 * np.sin(2 * np.pi * 440 * t)[None, :], 16000)
    spec = spectrogram_png(audio, tmp_path / "s.png", words=[Word("la", 0.1, 0.5, 0.9)])
    band = (m.song(tempo=100).add(m.track("piano", "C4/4 E4 G4 C5 | E5/1")).add(m.drums("kick/4 snare kick hat | kick"))
            .change_tempo(2, 80).to_score())
    assert band.midi.get_tempo_changes()[1].tolist() == [100.0, 80.0]
    both = pianoroll_png(band, tmp_path / "b.png")  # a drum lane and a tempo mark
    for png in (roll, spec, both):
        assert png.read_bytes()[:4] == b"\x89PNG"


def test_transcript_shows_its_words_in_jupyter():
    from sonitus import Transcript

    html = Transcript.from_words([Word("hello", 0.1, 0.4, 0.95), Word("<world>", 0.5, 0.9, 0.3)])._repr_html_()
    assert "hello" in html and "&lt;world&gt;" in html and "0.50-0.90 s" in html
    assert "nothing heard" in Transcript("")._repr_html_()


def test_audio_plays_in_jupyter_from_a_small_preview(monkeypatch):
    import base64
    import io
    import re

    import soundfile as sf
    from sonitus import audio as audio_module

    rng = np.random.default_rng(0)
    stereo = Audio((0.3 * rng.standard_normal((2, 44100 * 38))).astype(np.float32), 44100)  # noise: the worst case
    html = stereo._repr_html_()
    payload = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1))
    assert len(payload) < 0.25 * stereo.samples.size * 2  # well under a 16-bit WAV (6.7 MB)
    data, rate = sf.read(io.BytesIO(payload))
    assert rate == 22050 and abs(len(data) / rate - 38) < 0.1 and "audio/ogg" in html
    monkeypatch.setattr(audio_module, "PREVIEW_SECONDS", 10.0)
    short = stereo._repr_html_()
    data, rate = sf.read(io.BytesIO(base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", short).group(1))))
    assert abs(len(data) / rate - 10) < 0.1 and "the player has the first" in short
