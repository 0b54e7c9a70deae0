"""CLI commands of the music plugin: compose, render, plot pianoroll, plot spectrogram."""

from __future__ import annotations

from pathlib import Path

import click

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")


def _load_song_file(path: Path):
    from sonitus.dsl.music import Song
    from sonitus.errors import ParameterError, SonitusError
    from sonitus.score import Score

    if not path.exists():
        raise ParameterError(f"{path} does not exist; give a song file (.py or .txt).")
    if path.suffix == ".py":
        import runpy

        try:
            namespace = runpy.run_path(str(path), run_name="__sonitus_compose__")
        except SyntaxError as exc:
            raise ParameterError(f"{path}, line {exc.lineno}: Python syntax error ({exc.msg}); fix the song "
                                 "script and run compose again.") from exc
        except SonitusError:
            raise
        except Exception as exc:
            raise ParameterError(f"{path} failed while building the song: {type(exc).__name__}: {exc} "
                                 "(rerun with --debug for the traceback).") from exc
        found = namespace.get("song")
        if found is None:
            found = next((v for v in reversed(list(namespace.values())) if isinstance(v, (Song, Score))), None)
        if not isinstance(found, (Song, Score)):
            raise ParameterError(f"{path} defines no song: assign a Song built with sonitus.dsl.music to a "
                                 f"variable called `song`.")
        return found
    from .textfile import parse_song_text

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{path} is not a text file (byte {exc.start} is not UTF-8); give a song in the "
                             "music notation (.txt) or a Python song script (.py).") from exc
    return parse_song_text(text)


def _renderer(name: str, soundfont: Path | None, sample_rate: int):
    """The Score -> Audio part of the pipeline: ``fluidsynth`` with the command's options, or
    another registered renderer (``notes-gan-synth``) followed by ``resample`` to the asked rate."""
    from sonitus import Audio, Score, get_registry
    from sonitus.dsl import stage
    from sonitus.errors import ParameterError
    from sonitus.stages import types_fit

    if name == "fluidsynth":
        return stage("fluidsynth", soundfont=str(soundfont) if soundfont else None, sample_rate=sample_rate)
    spec = get_registry().spec(name)
    if not (types_fit(Score, spec.consumes) and types_fit(spec.produces, Audio)):
        raise ParameterError(f"--renderer {name} does not turn a Score into Audio; see 'sonitus stages' for "
                             "renderers that do (fluidsynth, notes-gan-synth).")
    if soundfont:
        raise ParameterError(f"--soundfont is a fluidsynth option; --renderer {name} does not use one.")
    return stage(name) >> stage("resample", sample_rate=sample_rate)


def _write(score, output: Path, soundfont: Path | None, sample_rate: int, *, midi_ok: bool = True,
           renderer: str = "fluidsynth") -> str:
    """Save ``score`` as MIDI, or render it and save the audio: the pipelines
    ``score >> save(out.mid)`` and ``score >> fluidsynth >> save(out.wav)``."""
    from sonitus.dsl import save
    from sonitus.errors import ParameterError
    from sonitus.pipeline import Source

    suffix = output.suffix.lower()
    if suffix in (".mid", ".midi") and midi_ok:
        (Source(score) >> save(output)).run()
        return f"wrote {output} ({score.notes} notes, {score.duration:.1f} s)"
    if suffix not in AUDIO_SUFFIXES:
        kinds = ".mid, .wav, .flac or .ogg" if midi_ok else ".wav, .flac or .ogg"
        raise ParameterError(f"cannot write {output.name}: use {kinds}.")
    saver = save(output)  # checks the destination before rendering
    audio = (Source(score) >> _renderer(renderer, soundfont, sample_rate)).run()
    (Source(audio) >> saver).run()
    return f"wrote {output} ({audio.duration:.1f} s at {audio.sample_rate} Hz, peak {audio.peak_dbfs():.1f} dBFS)"


_out = click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
                    help="Output file: .mid for MIDI, .wav/.flac/.ogg to render with FluidSynth.")
_audio_out = click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
                          help="Audio file to write: .wav, .flac or .ogg.")
_sf = click.option("--soundfont", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                   help="A .sf2 SoundFont (default: the General MIDI one pretty_midi installs).")
_sr = click.option("--sample-rate", default=44100, show_default=True, help="Audio sample rate in Hz.")
_renderer_option = click.option("--renderer", default="fluidsynth", show_default=True,
                                help="The stage that plays the score: fluidsynth (a SoundFont), or notes-gan-synth "
                                     "(every note generated by the notes GAN).")


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@_out
@_sf
@_sr
@_renderer_option
def compose(source: Path, output: Path, soundfont: Path | None, sample_rate: int, renderer: str) -> None:
    """Build a song from SOURCE and write it as MIDI or audio.

    SOURCE is a Python file that builds a song with sonitus.dsl.music (the variable
    `song`), or a .txt file in the mini-notation with one [track] block per track.

    \b
    Examples:
      sonitus compose song.py -o song.wav
      sonitus compose song.txt -o song.mid
    """
    from sonitus.dsl.music import Song

    song = _load_song_file(source)
    score = song.to_score() if isinstance(song, Song) else song
    click.echo(_write(score, output, soundfont, sample_rate, renderer=renderer))


@click.command()
@click.argument("midi_file", type=click.Path(path_type=Path))
@_audio_out
@_sf
@_sr
@_renderer_option
def render(midi_file: Path, output: Path, soundfont: Path | None, sample_rate: int, renderer: str) -> None:
    """Render MIDI_FILE to audio with FluidSynth (all tracks in one pass).

    \b
    Example:
      sonitus render in.mid -o out.wav --soundfont /usr/share/sounds/sf2/FluidR3_GM.sf2
      sonitus render in.mid -o gan.wav --renderer notes-gan-synth
    """
    from sonitus.score import Score

    click.echo(_write(Score.load(midi_file), output, soundfont, sample_rate, midi_ok=False, renderer=renderer))


@click.command("pianoroll")
@click.argument("midi_file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="PNG to write.")
def plot_pianoroll(midi_file: Path, output: Path) -> None:
    """Draw the piano roll of MIDI_FILE, one colour per track, to a PNG."""
    from sonitus.plots import pianoroll_png
    from sonitus.score import Score

    pianoroll_png(Score.load(midi_file), output)
    click.echo(f"wrote {output}")


@click.command("spectrogram")
@click.argument("audio_file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="PNG to write.")
@click.option("--mels", default=128, show_default=True, help="Mel bands (0 for a linear-frequency plot).")
def plot_spectrogram(audio_file: Path, output: Path, mels: int) -> None:
    """Draw the (log-mel) spectrogram of AUDIO_FILE to a PNG."""
    from sonitus import Audio
    from sonitus.plots import spectrogram_png

    spectrogram_png(Audio.load(audio_file), output, n_mels=mels)
    click.echo(f"wrote {output}")


def add_commands(cli: click.Group) -> None:
    cli.add_command(compose)
    cli.add_command(render)
    cli.commands["plot"].add_command(plot_pianoroll)
    cli.commands["plot"].add_command(plot_spectrogram)
