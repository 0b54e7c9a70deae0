"""``sonitus info FILE...``: what audio and MIDI files hold."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sonitus.audio import Audio
from sonitus.errors import SonitusError
from sonitus.score import Score

from .app import cli, printable


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def info(files: tuple[Path, ...], as_json: bool) -> None:
    """Show duration, sample rate, channels, format and levels of audio FILES, and tracks, notes
    and tempo of MIDI files. Of several files, one that cannot be read is said (an "error" row in
    JSON) and the others are still shown; the exit status is then 1.

    \b
    Example:
      sonitus info talk.wav song.flac tune.mid
    """

    rows = []
    for path in files:
        try:
            rows.append(_midi_row(path) if path.suffix.lower() in (".mid", ".midi") else _audio_row(path))
        except SonitusError as exc:
            if len(files) == 1:
                raise
            rows.append({"path": str(path), "error": printable(str(exc))})
        rows[-1]["path"] = printable(rows[-1]["path"])
    if as_json:
        click.echo(json.dumps(rows if len(rows) > 1 else rows[0], indent=2))
    else:
        for row in rows:
            _print(row)
    if any("error" in row for row in rows):
        sys.exit(1)


def _audio_row(path: Path) -> dict:
    header = Audio.info(path)
    frames, peak, rms = Audio.levels(path)  # streamed: memory does not grow with the file
    return {"path": str(path), "duration": round(frames / header.sample_rate, 6),
            "sample_rate": header.sample_rate, "channels": header.channels,
            "frames": frames, "format": header.format, "subtype": header.subtype,
            "peak_dbfs": _round(peak), "rms_dbfs": _round(rms)}


def _midi_row(path: Path) -> dict:
    score = Score.load(path)
    return {"path": str(path), "format": "MIDI", "duration": round(float(score.duration), 6),
            "tempo": round(float(score.tempo), 3),
            "tracks": [{"name": inst.name, "program": int(inst.program), "drums": bool(inst.is_drum),
                        "notes": len(inst.notes)}
                       for inst in score.midi.instruments],
            "notes": int(score.notes)}


def _print(row: dict) -> None:
    if "error" in row:
        click.echo(f"{row['path']}\n  error        {row['error']}", err=True)
        return
    if row["format"] == "MIDI":
        tracks = ", ".join(f"{_track_name(t)} ({t['notes']} notes)" for t in row["tracks"]) or "none"
        click.echo(f"{row['path']}\n"
                   f"  duration     {row['duration']:.3f} s\n"
                   f"  tempo        {row['tempo']:g} bpm\n"
                   f"  notes        {row['notes']}\n"
                   f"  tracks       {tracks}")
        return
    click.echo(f"{row['path']}\n"
               f"  duration     {row['duration']:.3f} s ({row['frames']} frames)\n"
               f"  sample rate  {row['sample_rate']} Hz\n"
               f"  channels     {row['channels']}\n"
               f"  format       {row['format']} {row['subtype']}\n"
               f"  peak         {_db(row['peak_dbfs'])}\n"
               f"  RMS          {_db(row['rms_dbfs'])}")


def _track_name(track: dict) -> str:
    return track["name"] or ("drums" if track["drums"] else f"program {track['program']}")


def _round(value: float) -> float | None:
    return None if value == float("-inf") else round(value, 2)


def _db(value: float | None) -> str:
    return "-inf dBFS (silence)" if value is None else f"{value:.2f} dBFS"
