"""The ``gm-notes`` dataset: single instrument notes rendered with FluidSynth, as log-mel images.

An NSynth-like set built from the General MIDI SoundFont (loaded at run time, never
shipped): six instrument families of two or three GM programs each, MIDI pitches 36-84 and
three velocities. Each note is held for 0.75 s and cut to 64 frames (1.02 s) of a 128-band
log-mel spectrogram at 16 kHz (``n_fft`` 1024, hop 256), scaled to [-1, 1] over 85 dB (-70 to
+15 dB). A fixed tenth of the (program, pitch, velocity) triples is held out. Built once
(seconds: one FluidSynth pass per program), cached as ``.npz`` and rebuilt when its format is old.

>>> ds = get_registry().dataset("gm-notes")      # doctest: +SKIP
>>> train, held_out = ds.load()                  # NoteSet: images [n, 64, 128] float16 + labels
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sonitus.errors import DatasetError, ParameterError
from sonitus.training import ConfigDict

__all__ = ["FAMILIES", "PITCHES", "VELOCITIES", "SpecFormat", "SPEC", "NoteSet", "GMNotes", "family_index",
           "to_image", "from_image", "render_notes", "render_images"]

#: instrument family -> the General MIDI programs (0-based) that play it in the dataset
FAMILIES: dict[str, tuple[int, ...]] = {
    "piano": (0, 1, 2),
    "guitar": (24, 25),
    # reed organ and accordion: the SoundFont's pipe/drawbar organs (16-19) sound an octave low
    "organ": (20, 21),
    "strings": (48, 49),
    "brass": (56, 61),
    "flute": (73, 74),
}
PITCHES = tuple(range(36, 85))
VELOCITIES = (50, 80, 110)
FORMAT = 2


@dataclass(frozen=True)
class SpecFormat(ConfigDict):
    """How a note becomes an image: ``frames`` x ``n_mels`` log-mel, ``top_db`` below ``db_max``."""

    LIMITS = {"sample_rate": 192_000, "n_fft": 16_384, "hop_length": 16_384, "n_mels": 512, "frames": 4096,
              "hold": 1.0, "db_max": 200.0, "top_db": 200.0}

    sample_rate: int = 16000
    n_fft: int = 1024
    hop_length: int = 256
    n_mels: int = 128
    frames: int = 64
    hold: float = 0.75
    db_max: float = 15.0
    top_db: float = 85.0

    @property
    def samples(self) -> int:
        """Audio samples that give exactly ``frames`` centred frames."""
        return (self.frames - 1) * self.hop_length


SPEC = SpecFormat()


class NoteSet(NamedTuple):
    """Images ``[n, frames, n_mels]`` in [-1, 1] with their labels (``[n]`` int arrays)."""

    images: np.ndarray
    family: np.ndarray
    pitch: np.ndarray
    velocity: np.ndarray
    program: np.ndarray

    def __len__(self) -> int:
        return len(self.images)


def family_index(name: str) -> int:
    """The class index of an instrument family name (``"piano"`` -> 0)."""
    names = list(FAMILIES)
    if name not in names:
        raise ParameterError(f"unknown instrument {name!r}; choose one of: {', '.join(names)}.")
    return names.index(name)


def to_image(audio: np.ndarray, spec: SpecFormat = SPEC) -> np.ndarray:
    """Float waveforms ``[n, samples]`` (16 kHz) -> images ``[n, frames, n_mels]`` in [-1, 1]."""
    from sonitus.dsp.features import logmel

    x = np.zeros((len(audio), spec.samples), np.float32)
    for i, a in enumerate(audio):
        x[i, :min(len(a), spec.samples)] = a[:spec.samples]
    db = np.asarray(logmel(x, sample_rate=spec.sample_rate, n_fft=spec.n_fft, hop_length=spec.hop_length,
                           n_mels=spec.n_mels, top_db=None))
    db = np.clip(db, spec.db_max - spec.top_db, spec.db_max)
    return np.swapaxes((db - spec.db_max) / (spec.top_db / 2) + 1, 1, 2).astype(np.float32)


def from_image(images: np.ndarray, spec: SpecFormat = SPEC) -> np.ndarray:
    """Images ``[..., frames, n_mels]`` -> linear magnitudes ``[..., n_fft // 2 + 1, frames]``.

    dB back to mel power, then a non-negative least-squares fit through the mel filterbank's
    pseudo-inverse (as ``librosa.feature.inverse.mel_to_stft``, without its iterations).
    """
    db = (np.clip(images, -1, 1) - 1) * (spec.top_db / 2) + spec.db_max
    power = 10.0 ** (np.swapaxes(db, -1, -2) / 10)                    # [..., n_mels, frames]
    linear = np.maximum(_mel_inverse(spec) @ power, 0.0)
    return np.sqrt(linear).astype(np.float32)


@functools.lru_cache(maxsize=4)
def _mel_inverse(spec: SpecFormat) -> np.ndarray:
    """``[bins, n_mels]``: the pseudo-inverse of the mel filterbank (computed once per format)."""
    from sonitus.dsp.mel import mel_filterbank

    return np.linalg.pinv(mel_filterbank(spec.sample_rate, spec.n_fft, spec.n_mels))


def render_images(images: np.ndarray, *, n_iter: int = 32, batch: int = 64) -> np.ndarray:
    """Images ``[n, frames, n_mels]`` -> waveforms ``[n, samples]`` at 16 kHz (mel inversion + Griffin-Lim)."""
    from sonitus.dsp.griffinlim import griffinlim

    out = []
    for i in range(0, len(images), batch):
        mags = from_image(np.asarray(images[i:i + batch], np.float32))
        out.append(np.asarray(griffinlim(mags, n_iter=n_iter, n_fft=SPEC.n_fft, hop_length=SPEC.hop_length,
                                         length=SPEC.samples)))
    return np.concatenate(out) if out else np.zeros((0, SPEC.samples), np.float32)


def render_notes(program: int, notes: list[tuple[int, int]], *, soundfont: str | None = None,
                 spec: SpecFormat = SPEC, gap: float = 2.0) -> np.ndarray:
    """Render ``(pitch, velocity)`` notes of one GM program -> float waveforms ``[n, samples]``.

    One FluidSynth pass (no reverb or chorus) plays the notes ``gap`` seconds apart; each is
    cut from its onset.
    """
    import pretty_midi
    from sonitus import Score
    from sonitus.registry import get_registry

    midi = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    inst = pretty_midi.Instrument(program=program)
    for k, (pitch, velocity) in enumerate(notes):
        inst.notes.append(pretty_midi.Note(velocity=int(velocity), pitch=int(pitch), start=k * gap,
                                           end=k * gap + spec.hold))
    midi.instruments.append(inst)
    render = get_registry().stage("fluidsynth", soundfont=soundfont, sample_rate=spec.sample_rate, reverb=False, chorus=False,
                   tail=gap, threads=1, peak_db=None)
    audio = render(Score(midi))
    mono = np.asarray(audio.samples, np.float32).mean(axis=0)  # [channels, frames]
    out = np.zeros((len(notes), spec.samples), np.float32)
    for k in range(len(notes)):
        start = int(round(k * gap * spec.sample_rate))
        piece = mono[start:start + spec.samples]
        out[k, :len(piece)] = piece
    return out


def default_root() -> Path:
    """``$XDG_CACHE_HOME/sonitus/gm-notes`` (``~/.cache/sonitus/gm-notes``)."""
    from sonitus.jaxcache import cache_dir

    return cache_dir() / "gm-notes"


@dataclass(frozen=True)
class GMNotes:
    """The gm-notes dataset under ``root`` (a cache folder); :meth:`load` builds it on first use.

    ``pitches`` and ``families`` narrow it (tests build a small one quickly).
    """

    root: str | None = None
    soundfont: str | None = None
    pitches: tuple[int, ...] = PITCHES
    families: tuple[str, ...] = tuple(FAMILIES)

    @property
    def folder(self) -> Path:
        """Where the dataset lives (``root``, else :func:`default_root`)."""
        return Path(self.root) if self.root else default_root()

    @property
    def file(self) -> Path:
        return self.folder / "gm-notes.npz"

    def build(self, *, progress: bool = True) -> Path:
        """Render every note (one FluidSynth pass per program) and write the cache atomically."""
        from sonitus.atomic import atomic_write_bytes
        from sonitus.progress import track

        for name in self.families:
            family_index(name)
        triples = [(p, v) for p in self.pitches for v in VELOCITIES]
        images, labels = [], []
        jobs = [(name, program) for name in self.families for program in FAMILIES[name]]
        for name, program in track(jobs, description="rendering gm-notes", disable=not progress):
            audio = render_notes(program, triples, soundfont=self.soundfont)
            if np.max(np.abs(audio)) < 1e-4:
                raise DatasetError(f"FluidSynth rendered silence for GM program {program}; "
                                   f"is the SoundFont a General MIDI one?")
            images.append(to_image(audio).astype(np.float16))
            labels += [(family_index(name), p, v, program) for p, v in triples]
        images = np.concatenate(images)
        labels = np.array(labels, np.int16)
        held = np.random.default_rng(1234).random(len(labels)) < 0.1
        self.folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        meta = {"format": FORMAT, "spec": SPEC.to_dict(), "families": list(self.families),
                "pitches": [min(self.pitches), max(self.pitches)], "velocities": list(VELOCITIES)}
        np.savez_compressed(buffer, images=images, labels=labels, held=held,
                            meta=np.frombuffer(json.dumps(meta).encode(), np.uint8))
        return atomic_write_bytes(self.file, buffer.getvalue())

    def _format(self) -> int | None:
        with np.load(self.file) as data:
            return json.loads(bytes(data["meta"]).decode()).get("format")

    def load(self, *, progress: bool = True) -> tuple[NoteSet, NoteSet]:
        """``(train, held_out)`` note sets, built if missing or made by another dataset format."""
        if not self.file.exists() or self._format() != FORMAT:
            self.build(progress=progress)
        with np.load(self.file) as data:
            images, labels, held = data["images"], data["labels"].astype(np.int32), data["held"]

        def subset(mask):
            return NoteSet(images[mask], labels[mask, 0], labels[mask, 1], labels[mask, 2], labels[mask, 3])

        return subset(~held), subset(held)
