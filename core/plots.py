"""Pictures: piano rolls and spectrograms as PNG files (matplotlib, written atomically)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sonitus.dsp.features import logmel, power_spectrogram
from sonitus.dsp.mel import mel_frequencies

from .atomic import atomic_path

if TYPE_CHECKING:  # annotations only: score.py draws its Jupyter piano roll with this module
    from .audio import Audio
    from .score import Score


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, path: str | os.PathLike[str]) -> Path:
    fig.tight_layout()
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return target


_NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(pitch: int) -> str:
    """Scientific pitch name of a MIDI note number: 60 -> 'C4', 69 -> 'A4'."""
    return f"{_NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def pianoroll_png(score: Score, path: str | os.PathLike[str], *, width: float = 12.0,
                  title: str | None = None) -> Path:
    """Each note as a bar (time in seconds, pitch named C4, E4 ...), one colour per instrument.

    Drum tracks get a lane of their own below the pitched notes, a row per drum (kick, snare,
    ...); tempo changes are marked with dashed lines and their bpm; the legend sits outside the
    notes."""
    import pretty_midi

    plt = _figure()
    pitched = [(i, inst) for i, inst in enumerate(score.midi.instruments) if not inst.is_drum]
    drums = [(i, inst) for i, inst in enumerate(score.midi.instruments) if inst.is_drum and inst.notes]
    if drums:
        fig, (ax, lane) = plt.subplots(2, 1, figsize=(width, 6.5), sharex=True,
                                       gridspec_kw={"height_ratios": [4, 1.3]})
    else:
        fig, ax = plt.subplots(figsize=(width, 5))
        lane = None
    colours = plt.get_cmap("tab10")

    def bars(axis, inst, colour, row_of) -> None:
        for n in inst.notes:
            axis.add_patch(plt.Rectangle((n.start, row_of(n.pitch) - 0.4), max(n.end - n.start, 0.02), 0.8,
                                         color=colour, alpha=0.4 + 0.6 * n.velocity / 127, lw=0))

    for i, inst in pitched:
        bars(ax, inst, colours(i % 10), lambda p: p)
        ax.plot([], [], color=colours(i % 10), lw=6, label=inst.name or f"track {i + 1}")
    pitches = [n.pitch for _, inst in pitched for n in inst.notes] or [60]
    low, high = min(pitches) - 2, max(pitches) + 2
    ax.set_xlim(0, max(score.duration, 1e-3))
    ax.set_ylim(low, high)
    # name every note on a small range, the Cs and Gs on a wide one
    step = (0, 2, 4, 5, 7, 9, 11) if high - low <= 24 else (0, 7)
    ticks = [p for p in range(int(low), int(high) + 1) if p % 12 in step]
    ax.set_yticks(ticks, [note_name(p) for p in ticks])
    ax.grid(axis="y", alpha=0.2)
    ax.set_ylabel("pitch")
    if lane is not None:
        kinds = sorted({n.pitch for _, inst in drums for n in inst.notes})
        for i, inst in drums:
            bars(lane, inst, colours(i % 10), kinds.index)
            ax.plot([], [], color=colours(i % 10), lw=6, label=inst.name or "drums")
        lane.set_ylim(-0.6, len(kinds) - 0.4)
        lane.set_yticks(range(len(kinds)), [pretty_midi.note_number_to_drum_name(k) or str(k) for k in kinds],
                        fontsize="small")
        lane.set_ylabel("drums")
    bottom = lane if lane is not None else ax
    bottom.set_xlabel("time (s)")
    times, tempi = score.midi.get_tempo_changes()
    for t, bpm in list(zip(times, tempi))[1:]:
        for axis in (ax, lane) if lane is not None else (ax,):
            axis.axvline(t, color="grey", linestyle="--", linewidth=0.8)
        ax.text(t, high, f" {bpm:.0f} bpm", va="top", fontsize="small", color="grey")
    ax.set_title(title or f"{len(score.midi.instruments)} tracks, {score.notes} notes, {score.duration:.1f} s"
                 + (f", {tempi[0]:.0f} bpm" if len(tempi) else ""))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return _save(plt, fig, path)


def spectrogram_png(audio: Audio, path: str | os.PathLike[str], *, n_mels: int = 128, title: str | None = None,
                    words=(), f0=None, beats=()) -> Path:
    """A log-mel (or linear, ``n_mels=0``) spectrogram of the mono mix in dB, frequency axis in Hz.

    ``words`` (e.g. a Transcript's ``words``) are drawn as labelled spans over the picture;
    ``f0`` = ``(times s, Hz)`` (0 or NaN where unvoiced) as a pitch contour; ``beats`` (s) as
    vertical marks.
    """
    plt = _figure()

    x = audio.mono
    nyquist = audio.sample_rate / 2
    if n_mels:
        image = np.asarray(logmel(x, sample_rate=audio.sample_rate, n_mels=n_mels))
        centres = mel_frequencies(n_mels + 2, fmin=0.0, fmax=nyquist)[1:-1]
    else:
        image = 10 * np.log10(np.maximum(np.asarray(power_spectrogram(x)), 1e-10))
        centres = np.linspace(0, nyquist, image.shape[0])
    fig, ax = plt.subplots(figsize=(12, 5))
    extent = (0, audio.duration, 0, image.shape[0])
    mesh = ax.imshow(image, origin="lower", aspect="auto", extent=extent, cmap="magma")
    fig.colorbar(mesh, ax=ax, label="dB")
    hz = [f for f in (100, 250, 500, 1000, 2000, 4000, 8000, 16000) if f < nyquist]
    ax.set_yticks([float(np.interp(f, centres, np.arange(len(centres)))) for f in hz],
                  [f"{f // 1000} kHz" if f >= 1000 else f"{f} Hz" for f in hz])
    if f0 is not None:
        times, hz_track = (np.asarray(a, np.float64) for a in f0)
        row = np.interp(hz_track, centres, np.arange(len(centres)))
        ax.plot(times, np.where(hz_track > 0, row, np.nan), color="cyan", linewidth=1.5, label="f0")
        ax.legend(loc="upper right", fontsize="small")
    for t in beats:
        ax.axvline(t, color="white", alpha=0.5, linewidth=0.8)
    for w in words:
        ax.axvspan(w.start, w.end, color="white", alpha=0.12)
        ax.text((w.start + w.end) / 2, image.shape[0] * 0.95, w.text, color="white", ha="center", va="top",
                fontsize="small")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency")
    ax.set_title(title or f"{'log-mel' if n_mels else 'linear'} spectrogram, {audio.duration:.1f} s at "
                          f"{audio.sample_rate} Hz")
    return _save(plt, fig, path)


def pianoroll_html(score: Score) -> str:
    """An inline PNG piano roll for Jupyter."""
    import base64
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        png = pianoroll_png(score, Path(tmp) / "roll.png", width=9)
        data = base64.b64encode(png.read_bytes()).decode("ascii")
    return f'<div>{score!r}<br><img src="data:image/png;base64,{data}"/></div>'


def image_grid_png(images, path: str | os.PathLike[str], *, titles=(), columns: int = 4,
                   title: str | None = None) -> Path:
    """Images ``[rows, cols]`` each (e.g. spectrograms ``[freq, frames]``, low frequencies first)
    drawn in a grid, ``columns`` across, each with its title from ``titles``."""
    plt = _figure()
    images = [np.asarray(im) for im in images]
    rows = max(1, -(-len(images) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.4 * columns, 2.0 * rows), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], origin="lower", aspect="auto", cmap="magma")
            if i < len(titles):
                ax.set_title(titles[i], fontsize="small")
    if title:
        fig.suptitle(title)
    return _save(plt, fig, path)
