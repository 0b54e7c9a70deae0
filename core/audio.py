"""`Audio`: samples and a sample rate, loaded and saved through soundfile."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_path
from .errors import (
    AudioNotFoundError,
    EmptyAudioError,
    NonFiniteAudioError,
    NotAudioError,
    OutputError,
    ParameterError,
    TruncatedAudioError,
    whole_number,
)

__all__ = ["Audio", "AudioInfo", "check_sample_rate", "dbfs", "MAX_SAMPLE_RATE"]

_TRUNCATION_MARKS = ("should be", "ended unexpectedly", "truncated")


#: the highest sample rate sonitus resamples to (soxr crashes far above it)
MAX_SAMPLE_RATE = 768_000
#: how much of a recording the notebook player holds (seconds)
PREVIEW_SECONDS = 300.0


def check_sample_rate(sample_rate: Any, what: str = "sample_rate") -> int:
    """``sample_rate`` as an int between 1 and ``MAX_SAMPLE_RATE`` Hz, or a ParameterError."""
    return whole_number(sample_rate, f"{what}: the sample rate", 1, MAX_SAMPLE_RATE, unit=" Hz",
                        why=" (a positive number of samples a second)")


def dbfs(level: float) -> float:
    """A linear level (1.0 = full scale) in dBFS; ``-inf`` for silence."""
    return 20.0 * float(np.log10(level)) if level > 0 else float("-inf")


@dataclass(frozen=True)
class AudioInfo:
    """What :meth:`Audio.info` reads from a file's header without decoding it."""

    path: Path
    sample_rate: int
    channels: int
    frames: int
    format: str
    subtype: str

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate


@dataclass(frozen=True, eq=False)
class Audio:
    """A clip of audio.

    Attributes:
        samples: float32 array ``[channels, frames]``, nominally in ``[-1, 1]``.
            A 1-D array is taken as one channel.
        sample_rate: samples per second per channel (Hz).

    >>> import numpy as np
    >>> a = Audio(np.zeros((2, 8000), np.float32), 16000)
    >>> a.channels, a.duration
    (2, 0.5)
    """

    samples: np.ndarray
    sample_rate: int

    def __post_init__(self) -> None:
        samples = np.asarray(self.samples)
        if samples.ndim == 1:
            samples = samples[np.newaxis, :]
        if samples.ndim != 2:
            raise ParameterError(
                f"Audio samples must be shaped [channels, frames]; got an array of shape "
                f"{samples.shape}.")
        if np.iscomplexobj(samples):
            raise ParameterError("Audio samples must be real numbers, not complex; take .real (or np.abs for a "
                                 "magnitude) before making Audio.")
        if samples.dtype != np.float32:
            samples = samples.astype(np.float32)
        if not np.isfinite(samples).all():
            bad = int(np.size(samples) - np.isfinite(samples).sum())
            raise NonFiniteAudioError(
                f"The audio contains {bad} NaN or infinite sample(s); clean or regenerate the "
                f"signal (e.g. np.nan_to_num) before using it.")
        if int(self.sample_rate) <= 0:
            raise ParameterError(f"sample_rate must be a positive number of Hz, not {self.sample_rate}.")
        samples.flags.writeable = False
        object.__setattr__(self, "samples", samples)
        object.__setattr__(self, "sample_rate", int(self.sample_rate))

    # -- shape -------------------------------------------------------------------------
    @property
    def channels(self) -> int:
        """Number of channels."""
        return int(self.samples.shape[0])

    @property
    def frames(self) -> int:
        """Number of samples per channel."""
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate

    @property
    def mono(self) -> np.ndarray:
        """The channel average as a 1-D float32 array (a view for mono audio)."""
        return self.samples[0] if self.channels == 1 else self.samples.mean(axis=0)

    def __repr__(self) -> str:
        return (f"Audio(channels={self.channels}, frames={self.frames}, "
                f"sample_rate={self.sample_rate}, duration={self.duration:.3f}s)")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Audio):
            return NotImplemented
        return (self.sample_rate == other.sample_rate
                and self.samples.shape == other.samples.shape
                and bool(np.array_equal(self.samples, other.samples)))

    __hash__ = None  # type: ignore[assignment]

    # -- transforms --------------------------------------------------------------------
    def to_mono(self) -> Audio:
        """Average the channels into one."""
        if self.channels == 1:
            return self
        return Audio(self.mono[np.newaxis, :], self.sample_rate)

    def resample(self, sample_rate: int, *, quality: str = "HQ") -> Audio:
        """Resample to ``sample_rate`` Hz with soxr (``quality``: QQ, LQ, MQ, HQ, VHQ)."""
        import soxr

        sample_rate = check_sample_rate(sample_rate, "resample")
        if sample_rate == self.sample_rate:
            return self
        out = soxr.resample(self.samples.T, self.sample_rate, sample_rate, quality=quality)
        return Audio(np.ascontiguousarray(np.asarray(out, np.float32).reshape(-1, self.channels).T),
                     sample_rate)

    def with_samples(self, samples: Any) -> Audio:
        """A new clip with other samples and the same sample rate."""
        return Audio(np.asarray(samples, np.float32), self.sample_rate)

    # -- measures ----------------------------------------------------------------------
    def peak_dbfs(self) -> float:
        """Peak level in dB relative to full scale (``-inf`` for silence)."""
        return dbfs(float(np.max(np.abs(self.samples))) if self.frames else 0.0)

    def rms_dbfs(self) -> float:
        """RMS level over all channels in dB relative to full scale (``-inf`` for silence)."""
        return dbfs(float(np.sqrt(np.mean(np.square(self.samples, dtype=np.float64)))) if self.frames else 0.0)

    # -- I/O ---------------------------------------------------------------------------
    @staticmethod
    def info(path: str | os.PathLike[str]) -> AudioInfo:
        """Read a file's header (rate, channels, frames, format) without decoding it."""
        import soundfile as sf

        path = _existing_audio_path(path)
        try:
            info = sf.info(os.fsencode(path))
        except (sf.LibsndfileError, RuntimeError) as exc:
            kind = _audio_magic(path)
            if kind is not None:
                raise TruncatedAudioError(
                    f"{path} looks like {kind} but is truncated or damaged "
                    f"({_libsndfile_reason(exc)}); re-export or re-copy it.") from exc
            raise NotAudioError(
                f"{path} is not an audio file sonitus can read ({_libsndfile_reason(exc)}); use "
                f"WAV, FLAC, OGG or another format libsndfile supports.") from exc
        return AudioInfo(path, int(info.samplerate), int(info.channels), int(info.frames),
                         info.format, info.subtype)

    @classmethod
    def levels(cls, path: str | os.PathLike[str], *, block_frames: int = 1 << 16) -> tuple[int, float, float]:
        """``(frames, peak dBFS, RMS dBFS)`` of a file, read block by block: the same figures as
        ``Audio.load(path).peak_dbfs()`` / ``.rms_dbfs()`` in constant memory (an hour of 48 kHz
        stereo is fine). Raises what :meth:`load` raises for a damaged, empty or non-finite file."""
        info = cls._checked_info(path)
        frames, peak, total = 0, 0.0, 0.0
        for block in cls._blocks(info, block_frames):
            frames += block.shape[0]
            peak = max(peak, float(np.max(np.abs(block))) if block.size else 0.0)
            total += float(np.sum(np.square(block, dtype=np.float64)))
        return frames, dbfs(peak), dbfs(float(np.sqrt(total / (frames * info.channels))))

    @classmethod
    def stream(cls, path: str | os.PathLike[str], *, sample_rate: int | None = None,
               block_frames: int = 1 << 18) -> Iterator[np.ndarray]:
        """Mono float32 blocks of a file, in order, read and resampled (soxr, streaming) a block
        at a time: hours of audio in constant memory. The blocks joined are the samples of
        ``Audio.load(path, mono=True, sample_rate=sample_rate)`` (to soxr's rounding where
        resampled). Raises what :meth:`load` raises, when the bad block is reached."""
        import soxr

        info = cls._checked_info(path)
        rate = info.sample_rate if sample_rate is None else check_sample_rate(sample_rate, "stream")
        resampler = soxr.ResampleStream(info.sample_rate, rate, 1, dtype="float32") if rate != info.sample_rate \
            else None
        for block in cls._blocks(info, block_frames):
            mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
            yield mono if resampler is None else resampler.resample_chunk(mono)
        if resampler is not None:
            yield resampler.resample_chunk(np.zeros(0, np.float32), last=True)

    @classmethod
    def _blocks(cls, info: AudioInfo, block_frames: int) -> Iterator[np.ndarray]:
        """Float32 blocks ``[frames, channels]`` of a checked file: damaged, non-finite, empty
        and truncated files raise what :meth:`load` raises (when the bad block is reached)."""
        import soundfile as sf

        frames = 0
        try:
            for block in sf.blocks(os.fsencode(info.path), blocksize=block_frames, dtype="float32", always_2d=True):
                if not np.isfinite(block).all():
                    raise NonFiniteAudioError(f"{info.path}: the audio contains NaN or infinite samples; clean or "
                                              "regenerate it.")
                frames += block.shape[0]
                yield block
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise TruncatedAudioError(f"{info.path} is damaged and could not be decoded ({_libsndfile_reason(exc)}); "
                                      f"re-export or re-copy it.") from exc
        cls._check_frames(info, frames)

    @classmethod
    def _checked_info(cls, path: str | os.PathLike[str]) -> AudioInfo:
        import soundfile as sf

        info = cls.info(path)
        extra = sf.info(os.fsencode(info.path)).extra_info
        if any(mark in extra for mark in _TRUNCATION_MARKS):
            raise TruncatedAudioError(
                f"{info.path} is truncated: the file ends before its header says it should. "
                f"Re-export or re-copy it.")
        return info

    @staticmethod
    def _check_frames(info: AudioInfo, frames: int) -> None:
        if frames == 0:
            raise EmptyAudioError(f"{info.path} holds no audio samples; record or export it again.")
        if info.frames and frames < info.frames:
            raise TruncatedAudioError(
                f"{info.path} is truncated: its header promises {info.frames} frames but only "
                f"{frames} could be read. Re-export or re-copy it.")

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, sample_rate: int | None = None,
             mono: bool = False) -> Audio:
        """Read an audio file (WAV, FLAC, OGG, ... any channel count, bit depth and rate).

        Args:
            path: the file to read.
            sample_rate: resample to this rate (Hz) after reading; ``None`` keeps the file's.
            mono: average the channels into one.

        Raises:
            AudioNotFoundError, EmptyAudioError, NotAudioError, TruncatedAudioError,
            NonFiniteAudioError: with a sentence saying what to do.
        """
        import soundfile as sf

        info = cls._checked_info(path)
        try:
            data, rate = sf.read(os.fsencode(info.path), dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise TruncatedAudioError(
                f"{info.path} is damaged and could not be decoded ({_libsndfile_reason(exc)}); "
                f"re-export or re-copy it.") from exc
        cls._check_frames(info, data.shape[0])
        try:
            audio = cls(np.ascontiguousarray(data.T), rate)
        except NonFiniteAudioError as exc:
            raise NonFiniteAudioError(f"{info.path}: {exc}") from None
        if mono:
            audio = audio.to_mono()
        if sample_rate is not None:
            audio = audio.resample(sample_rate)
        return audio

    def save(self, path: str | os.PathLike[str], *, subtype: str | None = None,
             format: str | None = None) -> Path:
        """Write the clip atomically; the format follows the suffix unless given.

        ``subtype`` is soundfile's (``PCM_16``, ``PCM_24``, ``FLOAT``, ...); the default is the
        format's own (16-bit PCM for WAV and FLAC).
        """
        import soundfile as sf

        target = Path(path)
        if format is None and not target.suffix:
            raise ParameterError(f"Cannot tell the audio format of {target}: give it a suffix "
                                 f"such as .wav or .flac, or pass format=.")
        with atomic_path(target) as tmp:
            try:
                sf.write(os.fsencode(tmp), self.samples.T, self.sample_rate, subtype=subtype,
                         format=format or target.suffix.lstrip(".").upper())
            except sf.LibsndfileError as exc:
                if "system error" not in str(exc).lower():
                    raise ParameterError(f"Cannot write {target}: {exc}. Use a suffix such as .wav, "
                                         f".flac or .ogg.") from exc
                # libsndfile says only "System error.": a full disk is the usual one (atomic_path says so)
                if shutil.disk_usage(tmp.parent).free < self.samples.nbytes + (1 << 16):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target)) from exc
                raise OutputError(f"Cannot write {target}: the system refused the write ({exc}); check that its "
                                  "folder is writable and has room.") from exc
            except (ValueError, TypeError) as exc:
                raise ParameterError(f"Cannot write {target}: {exc}. Use a suffix such as .wav, "
                                     f".flac or .ogg.") from exc
        return target

    def _repr_html_(self) -> str:
        """An inline player for Jupyter: an Ogg Vorbis preview at up to 22.05 kHz and of up to
        :data:`PREVIEW_SECONDS` (about 60 kB a second of stereo, where a WAV would take 176 kB)."""
        import base64
        import html
        import io

        import soundfile as sf
        import soxr

        samples = self.samples[:, :int(PREVIEW_SECONDS * self.sample_rate)].T.astype(np.float32)
        rate = self.sample_rate
        if rate > 22050:
            samples, rate = soxr.resample(samples, rate, 22050), 22050
        buf = io.BytesIO()
        sf.write(buf, np.clip(samples, -1.0, 1.0), rate, format="OGG", subtype="VORBIS")
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        cut = (f" (the player has the first {PREVIEW_SECONDS / 60:g} minutes)"
               if self.duration > PREVIEW_SECONDS else "")
        return (f'<div>{html.escape(repr(self))}{cut}<br><audio controls src="data:audio/ogg;base64,{data}">'
                f"</audio></div>")


def _existing_audio_path(path: str | os.PathLike[str]) -> Path:
    import stat

    path = Path(path)
    if "\0" in os.fspath(path):
        raise AudioNotFoundError(f"{str(path)!r} holds a NUL character, which no file name can; check how the "
                                 "path was made.")
    try:
        st = path.stat()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise AudioNotFoundError(f"The path {str(path)[:60]}... is too long for this system (a name may have "
                                     "255 bytes, a path 4096); move or rename the file.") from None
        if path.is_symlink():
            raise AudioNotFoundError(f"{path} is a symbolic link to {os.readlink(path)}, which "
                                     f"{'leads round in a loop' if exc.errno == errno.ELOOP else 'does not exist'}; "
                                     "give the audio file itself.") from None
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise AudioNotFoundError(f"{path} does not exist; check the path and the working directory.") from None
        raise AudioNotFoundError(f"{path} cannot be read ({exc.strerror}).") from None
    if stat.S_ISDIR(st.st_mode):
        raise NotAudioError(f"{path} is a directory, not an audio file.")
    if not stat.S_ISREG(st.st_mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a device or socket"
        raise NotAudioError(f"{path} is {kind}, not a file; sonitus reads audio from files: save the stream to a "
                            ".wav or .flac file first.")
    if st.st_size == 0:
        raise EmptyAudioError(f"{path} is empty (0 bytes); record or export it again.")
    return path


_MAGIC = ((b"RIFF", "WAV"), (b"RIFX", "WAV"), (b"RF64", "WAV"), (b"fLaC", "FLAC"), (b"OggS", "OGG"),
          (b"FORM", "AIFF"), (b".snd", "AU"))


def _audio_magic(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(4)
    return next((kind for magic, kind in _MAGIC if head == magic), None)


def _libsndfile_reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text.split(": ", 1)[-1] if ": " in text else text
