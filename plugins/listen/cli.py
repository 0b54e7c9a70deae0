"""CLI of the listening plugin: ``sonitus analyze``, ``sonitus to-midi`` and ``sonitus plot pitch``."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np


@click.command("to-midi")
@click.argument("audio_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="MIDI file to write (.mid).")
@click.option("--quantize", default=None, metavar="1/8",
              help="Snap notes to this note value on the tracked beat (1/4, 1/8, 1/16); the first beat becomes "
                   "time 0. Default: keep the times heard.")
@click.option("--bpm", type=float, default=None, help="Tempo to write and quantise with [default: tracked].")
@click.option("--fmin", default=65.4, show_default=True, help="Lowest pitch to listen for (Hz; C2 = 65.4).")
@click.option("--fmax", default=2093.0, show_default=True, help="Highest pitch to listen for (Hz; C7 = 2093).")
@click.option("--min-note", default=0.06, show_default=True, help="Drop notes shorter than this (seconds).")
@click.option("--program", default=0, show_default=True, help="General MIDI instrument of the track (0: piano).")
def to_midi(audio_file: Path, output: Path, quantize: str | None, bpm: float | None, fmin: float, fmax: float,
            min_note: float, program: int) -> None:
    """Turn a sung, hummed or played melody (one line) into a MIDI file.

    Pitch by pYIN, notes split at onsets, tempo from the beat tracker.

    \b
    Examples:
      sonitus to-midi hum.wav -o tune.mid
      sonitus to-midi flute.flac -o tune.mid --quantize 1/8
      sonitus to-midi hum.wav -o tune.mid --quantize 1/8 && sonitus generate chorale --melody tune.mid -o c.wav
    """
    from sonitus import get_registry
    from sonitus.errors import AudioError, ParameterError

    if output.suffix.lower() not in (".mid", ".midi"):
        raise ParameterError(f"cannot write {output.name}: to-midi writes MIDI (.mid).")
    melody = get_registry().stage("melody", quantize=quantize, fmin=fmin, fmax=fmax, min_note=min_note,
                                  program=program, bpm=bpm)
    saver = get_registry().stage("save", path=output)  # checks the destination before listening
    _check_length(audio_file)
    score = (get_registry().stage("load", path=str(audio_file)) >> melody).run()
    if score.notes == 0:
        raise AudioError(f"No pitched notes heard in {audio_file} (silence, noise or drums?); to-midi needs one "
                         f"sung or played line between {fmin:g} and {fmax:g} Hz. Nothing written.")
    (score >> saver).run()
    report = getattr(melody, "report", {})
    click.echo(f"wrote {output} ({score.notes} notes at {report.get('tempo', score.tempo):g} bpm"
               + (f", on a {quantize} grid" if quantize else "") + ")")


@click.command("pitch")
@click.argument("audio_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PNG to write.")
@click.option("--fmin", default=65.4, show_default=True, help="Lowest pitch to listen for (Hz).")
@click.option("--fmax", default=2093.0, show_default=True, help="Highest pitch to listen for (Hz).")
@click.option("--no-beats", is_flag=True, help="Leave out the beat marks.")
def plot_pitch(audio_file: Path, output: Path, fmin: float, fmax: float, no_beats: bool) -> None:
    """Draw the pitch contour (pYIN) and the beats of AUDIO_FILE over its spectrogram, to a PNG.

    \b
    Example:
      sonitus plot pitch hum.wav -o hum.png
    """
    from sonitus import Audio
    from sonitus.errors import ParameterError
    from sonitus.plots import spectrogram_png

    from .analysis import HOP, prepared, rhythm_of
    from .pitch_track import track_pitch
    from .stages import check_range

    if output.suffix.lower() != ".png":
        raise ParameterError(f"cannot write {output.name}: plot pitch draws a PNG (.png).")
    fmin, fmax = check_range("plot pitch", fmin, fmax)
    _check_length(audio_file)
    audio = prepared(Audio.load(audio_file))
    beats = () if no_beats else rhythm_of(audio).beats * HOP / audio.sample_rate
    f0, voiced, _ = track_pitch(audio, fmin=fmin, fmax=fmax, hop_length=HOP)
    times = np.arange(len(f0)) * HOP / audio.sample_rate
    spectrogram_png(audio, output, f0=(times, np.where(voiced, f0, 0.0)), beats=beats,
                    title=f"pitch (pYIN) {'' if no_beats else 'and beats '}of {audio_file.name}")
    click.echo(f"wrote {output}")


@click.command("analyze")
@click.argument("audio_files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (a list when several files).")
@click.option("--no-chords", is_flag=True, help="Leave out the chord of each beat.")
def analyze(audio_files: tuple[Path, ...], as_json: bool, no_chords: bool) -> None:
    """Tempo, beats, onsets, key and chords of recordings.

    \b
    Examples:
      sonitus analyze song.wav
      sonitus analyze a.wav b.flac --json > analysis.json
    """
    from sonitus import Audio

    from .analysis import analyze as analyze_audio

    results = []
    for path in audio_files:
        _check_length(path)
    for path in audio_files:
        result = {"file": str(path), **analyze_audio(Audio.load(path), chords=not no_chords)}
        results.append(result)
        if not as_json:
            click.echo(_summary(result))
    if as_json:
        click.echo(json.dumps(results[0] if len(results) == 1 else results, indent=2))


def _check_length(path: Path) -> None:
    """A clear error for recordings too long to analyse at once, read from the header alone."""
    from sonitus import Audio
    from sonitus.errors import AudioError

    from .analysis import MAX_SECONDS

    info = Audio.info(path)
    if info.duration > MAX_SECONDS:
        raise AudioError(f"{path} is {info.duration / 3600:.1f} h long; sonitus listens to up to "
                         f"{MAX_SECONDS / 3600:.0f} h at a time: cut it into parts (e.g. sox in.wav part.wav trim 0 "
                         f"3600).")


def _summary(result: dict) -> str:
    lines = [f"{result['file']}: {result['duration']:.1f} s",
             f"  tempo  {result['tempo']:.1f} bpm, {len(result['beats'])} beats, {len(result['onsets'])} onsets",
             f"  key    {result['key'] or 'none (silent)'}"]
    if "chords" in result:
        changes = [c for i, c in enumerate(result["chords"]) if i == 0 or c["chord"] != result["chords"][i - 1]["chord"]]
        shown = " ".join(f"{c['chord']}@{c['time']:.1f}" for c in changes[:16])
        lines.append(f"  chords {shown}{' ...' if len(changes) > 16 else ''}")
    return "\n".join(lines)
