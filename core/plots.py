"""Pictures: piano rolls and spectrograms as PNG files (matplotlib, written atomically)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from sonitus import Audio, Score
from sonitus.atomic import atomic_path


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


def pianoroll_png(score: Score, path: str | os.PathLike[str], *, width: float = 12.0) -> Path:
    """Each note as a bar (time in seconds, MIDI pitch), one colour per instrument."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(width, 5))
    colours = plt.get_cmap("tab10")
    for i, inst in enumerate(score.midi.instruments):
        for n in inst.notes:
            ax.add_patch(plt.Rectangle((n.start, n.pitch - 0.4), n.end - n.start, 0.8, color=colours(i % 10),
                                       alpha=0.4 + 0.6 * n.velocity / 127, lw=0))
        ax.plot([], [], color=colours(i % 10), lw=6, label=inst.name or f"track {i + 1}")
    pitches = [n.pitch for inst in score.midi.instruments for n in inst.notes] or [60]
    ax.set_xlim(0, max(score.duration, 1e-3))
    ax.set_ylim(min(pitches) - 2, max(pitches) + 2)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("MIDI pitch")
    ax.legend(loc="upper right", fontsize="small")
    return _save(plt, fig, path)


def spectrogram_png(audio: Audio, path: str | os.PathLike[str], *, n_mels: int = 128) -> Path:
    """A log-mel (or linear, ``n_mels=0``) spectrogram of the mono mix, in dB."""
    plt = _figure()
    from sonitus.dsp.features import logmel, power_spectrogram

    x = audio.mono
    if n_mels:
        image = np.asarray(logmel(x, sample_rate=audio.sample_rate, n_mels=n_mels))
        ylabel = "mel band"
    else:
        image = 10 * np.log10(np.maximum(np.asarray(power_spectrogram(x)), 1e-10))
        ylabel = "frequency bin"
    fig, ax = plt.subplots(figsize=(12, 5))
    extent = (0, audio.duration, 0, image.shape[0])
    mesh = ax.imshow(image, origin="lower", aspect="auto", extent=extent, cmap="magma")
    fig.colorbar(mesh, ax=ax, label="dB")
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel)
    return _save(plt, fig, path)


def pianoroll_html(score: Score) -> str:
    """An inline PNG piano roll for Jupyter."""
    import base64
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        png = pianoroll_png(score, Path(tmp) / "roll.png", width=9)
        data = base64.b64encode(png.read_bytes()).decode("ascii")
    return f'<div>{score!r}<br><img src="data:image/png;base64,{data}"/></div>'
