"""``sonitus info FILE``: what an audio file holds."""

from __future__ import annotations

import json
from pathlib import Path

import click

from . import cli


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def info(files: tuple[Path, ...], as_json: bool) -> None:
    """Show duration, sample rate, channels, format and levels of audio FILES.

    \b
    Example:
      sonitus info talk.wav song.flac
    """
    from sonitus.audio import Audio

    rows = []
    for path in files:
        header = Audio.info(path)
        frames, peak, rms = Audio.levels(path)  # streamed: memory does not grow with the file
        rows.append({"path": str(path), "duration": round(frames / header.sample_rate, 6),
                     "sample_rate": header.sample_rate, "channels": header.channels,
                     "frames": frames, "format": header.format, "subtype": header.subtype,
                     "peak_dbfs": _round(peak), "rms_dbfs": _round(rms)})
    if as_json:
        click.echo(json.dumps(rows if len(rows) > 1 else rows[0], indent=2))
        return
    for row in rows:
        click.echo(f"{row['path']}\n"
                   f"  duration     {row['duration']:.3f} s ({row['frames']} frames)\n"
                   f"  sample rate  {row['sample_rate']} Hz\n"
                   f"  channels     {row['channels']}\n"
                   f"  format       {row['format']} {row['subtype']}\n"
                   f"  peak         {_db(row['peak_dbfs'])}\n"
                   f"  RMS          {_db(row['rms_dbfs'])}")


def _round(value: float) -> float | None:
    return None if value == float("-inf") else round(value, 2)


def _db(value: float | None) -> str:
    return "-inf dBFS (silence)" if value is None else f"{value:.2f} dBFS"
