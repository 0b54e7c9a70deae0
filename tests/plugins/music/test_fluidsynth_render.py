import numpy as np
import pytest
from cli_helpers import run_cli
from sonitus import Audio, Score
from sonitus.dsl import music as m
from sonitus.dsl import save
from sonitus.errors import ParameterError


def _f0_autocorrelation(x: np.ndarray, sr: int) -> float:
    """Independent pitch estimate: the strongest autocorrelation lag between 50 and 2000 Hz."""
    x = x - x.mean()
    spectrum = np.fft.rfft(x, 2 * len(x))
    ac = np.fft.irfft(spectrum * np.conj(spectrum))[: len(x)]
    lo, hi = int(sr / 2000), int(sr / 50)
    lag = lo + int(np.argmax(ac[lo:hi]))
    a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]  # parabolic interpolation
    return sr / (lag + 0.5 * (a - c) / (a - 2 * b + c))


def test_a_single_a4_is_440_hz_of_the_right_length():
    song = m.song(tempo=120) + m.track("piano", "A4/2~")  # half note at 120 bpm = 1 s, held
    audio = m.render(song, reverb=False, chorus=False, tail=0.5)
    assert isinstance(audio, Audio) and audio.sample_rate == 44100 and audio.channels == 2
    x = audio.mono
    sustain = x[int(0.1 * 44100):int(0.9 * 44100)]
    assert abs(_f0_autocorrelation(sustain, 44100) - 440) / 440 < 0.01
    assert audio.duration == pytest.approx(1.5, abs=0.02)
    envelope = np.abs(x)
    assert envelope[: 44100].max() > 0.01  # not silent
    assert envelope.max() < 0.99  # not clipped
    assert np.sqrt(np.mean(x[int(1.2 * 44100):] ** 2)) < 0.5 * np.sqrt(np.mean(sustain ** 2))  # released


def test_all_tracks_render_in_one_pass_through_a_pipeline(tmp_path):
    song = m.song(tempo=140) + m.track("piano", "C4/4 E4 G4") + m.track("flute", "C6/2.") + m.drums("kick/4 hat hat")
    out = (song >> m.fluidsynth(sample_rate=22050) >> save(tmp_path / "song.wav")).run()
    audio = Audio.load(out)
    assert audio.sample_rate == 22050 and audio.duration > 1.2 and audio.peak_dbfs() > -40


def test_a_soundfont_path_is_checked():
    with pytest.raises(ParameterError, match="does not exist"):
        m.fluidsynth(soundfont="/nope/missing.sf2")


def test_debian_soundfont_works_too():
    from pathlib import Path

    path = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
    if not path.exists():
        pytest.skip("fluid-soundfont-gm is not installed")
    audio = m.render(m.song() + m.track("piano", "A4/4"), soundfont=str(path), tail=0.2)
    assert audio.peak_dbfs() > -40


def test_cli_compose_render_and_plot(tmp_path):
    songfile = tmp_path / "song.txt"
    songfile.write_text("tempo: 120\nmeter: 3/4\n\n[lead: flute]\nC5/4 D5 E5\n\n[drums]\nkick/4 hat hat\n")
    result = run_cli("compose", str(songfile), "-o", str(tmp_path / "song.mid"))
    assert result.returncode == 0, result.stderr
    score = Score.load(tmp_path / "song.mid")
    assert score.notes == 6 and score.meter == "3/4"
    result = run_cli("render", str(tmp_path / "song.mid"), "-o", str(tmp_path / "song.wav"), "--sample-rate", "22050")
    assert result.returncode == 0, result.stderr
    assert Audio.load(tmp_path / "song.wav").sample_rate == 22050
    for kind, source in (("pianoroll", "song.mid"), ("spectrogram", "song.wav")):
        result = run_cli("plot", kind, str(tmp_path / source), "-o", str(tmp_path / f"{kind}.png"))
        assert result.returncode == 0, result.stderr
        assert (tmp_path / f"{kind}.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_compose_python_file_and_errors(tmp_path):
    script = tmp_path / "song.py"
    script.write_text("from sonitus.dsl import music as m\nsong = m.song() + m.track('piano', 'C4/4 E4')\n")
    result = run_cli("compose", str(script), "-o", str(tmp_path / "x.mid"))
    assert result.returncode == 0 and Score.load(tmp_path / "x.mid").notes == 2
    bad = tmp_path / "bad.txt"
    bad.write_text("tempo: 90\n[piano]\nC4/4 D4 Q4\n")
    result = run_cli("compose", str(bad), "-o", str(tmp_path / "y.mid"))
    assert result.returncode == 1 and "line 3, column 9" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "y.mid").exists()



def test_text_only_refuses_python_songs_before_running_them(tmp_path, monkeypatch):
    from sonitus.dsl import stage

    marker = tmp_path / "ran"
    script = tmp_path / "song.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\nfrom sonitus.dsl import music as m\n"
                      "song = m.song() + m.track('piano', 'C4/4')\n")
    text = tmp_path / "song.txt"
    text.write_text("tempo: 90\n[piano]\nC4/4 D4\n")
    result = run_cli("compose", str(script), "-o", str(tmp_path / "x.mid"), "--text-only")
    assert result.returncode == 1 and "Python song script" in result.stderr and "Traceback" not in result.stderr
    assert not marker.exists() and not (tmp_path / "x.mid").exists()
    assert run_cli("compose", str(text), "-o", str(tmp_path / "t.mid"), "--text-only").returncode == 0
    with pytest.raises(ParameterError, match="Python song script"):
        stage("load-song", text_only=True)(str(script))
    monkeypatch.setenv("SONITUS_TEXT_ONLY", "1")
    with pytest.raises(ParameterError, match="SONITUS_TEXT_ONLY"):
        stage("load-song")(str(script))
    assert not marker.exists()
    assert stage("load-song")(str(text)).notes == 2

def test_cli_render_writes_audio_only_and_matches_the_dsl(tmp_path):
    from sonitus.dsl import save, stage
    from sonitus.pipeline import Source

    songfile = tmp_path / "s.txt"
    songfile.write_text("tempo: 120\n[piano]\nC4/4 E4 G4\n")
    assert run_cli("compose", str(songfile), "-o", str(tmp_path / "s.mid")).returncode == 0
    result = run_cli("render", str(tmp_path / "s.mid"), "-o", str(tmp_path / "again.mid"))
    assert result.returncode == 1 and ".wav, .flac or .ogg" in result.stderr
    assert run_cli("render", str(tmp_path / "s.mid"), "-o", str(tmp_path / "cli.wav")).returncode == 0
    (Source(Score.load(tmp_path / "s.mid")) >> stage("fluidsynth") >> save(tmp_path / "dsl.wav")).run()
    cli, dsl = Audio.load(tmp_path / "cli.wav"), Audio.load(tmp_path / "dsl.wav")
    assert cli.samples.shape == dsl.samples.shape
    assert float(abs(cli.samples - dsl.samples).max()) < 1e-3


def test_bad_song_and_midi_files_are_one_sentence(tmp_path):
    binary = tmp_path / "song.txt"
    binary.write_bytes(bytes(range(256)))
    script = tmp_path / "song.py"
    script.write_text("song = (\n")
    empty = tmp_path / "empty.mid"
    empty.write_bytes(b"")
    cases = [(("compose", str(binary)), "not a text file"), (("compose", str(script)), "line 1: Python syntax error"),
             (("render", str(empty)), "(the file is empty)")]
    for args, message in cases:
        result = run_cli(*args, "-o", str(tmp_path / "out.wav"))
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert "unexpected" not in result.stderr and "()" not in result.stderr and "Traceback" not in result.stderr


def test_renders_peak_at_the_asked_level():
    from sonitus.dsl import music as m

    song = m.song() + m.track("piano", "C4/4 E4 G4")
    assert m.fluidsynth()(song.to_score()).peak_dbfs() == pytest.approx(-1.0, abs=0.05)
    assert m.fluidsynth(peak_db=-6)(song.to_score()).peak_dbfs() == pytest.approx(-6.0, abs=0.05)
    assert m.fluidsynth(peak_db=None)(song.to_score()).peak_dbfs() < -6


def test_silence_is_an_error_not_amplified_noise():
    import pretty_midi
    import pytest
    from sonitus import Score
    from sonitus.dsl import stage
    from sonitus.errors import ScoreError

    midi = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=0)
    piano.notes.append(pretty_midi.Note(velocity=100, pitch=60, start=0.0, end=0.5))
    midi.instruments.append(piano)
    with pytest.raises(ScoreError, match="rendered to silence"):
        stage("fluidsynth", gain=0.0)(Score(midi))
    with pytest.raises(ScoreError, match="no notes"):
        stage("fluidsynth")(Score(pretty_midi.PrettyMIDI()))


def test_compose_and_the_dsl_give_the_same_samples(tmp_path):
    """`sonitus compose song.txt -o x.wav` runs what the DSL's load-song >> fluidsynth >> save runs."""
    from sonitus.dsl import stage

    songfile = tmp_path / "song.txt"
    songfile.write_text("tempo: 100\n\n[lead: piano]\nC4/4 E4 G4 C5\n\n[bass: acoustic bass]\nC2/2 G2\n")
    result = run_cli("compose", str(songfile), "-o", str(tmp_path / "cli.wav"))
    assert result.returncode == 0, result.stderr
    (stage("load-song", path=songfile) >> m.fluidsynth() >> save(tmp_path / "dsl.wav")).run()
    cli, dsl = Audio.load(tmp_path / "cli.wav"), Audio.load(tmp_path / "dsl.wav")
    assert cli.sample_rate == dsl.sample_rate and np.array_equal(cli.samples, dsl.samples)
    assert np.max(np.abs(cli.samples)) > 0.5  # music, not silence
