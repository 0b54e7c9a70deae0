"""Whisper's log-mel of audio too long to hold: computed a block at a time into a file on
disk, read back a 30 s window at a time. Memory stays flat whatever the length (a 10-hour
file needs a few MB of RAM and 1.2 GB of temporary disk), and the values are the ones
:func:`.frontend.log_mel` gives for the whole file padded with 30 s of zeros: the same frames,
the same clamp to the file's maximum. Windows are zero past the audio's last frame, as in
:func:`.frontend.first_window`.

>>> mel = MelFile.from_blocks(Audio.stream("talk.flac", sample_rate=16000), n_mels=80, folder=tmp)  # doctest: +SKIP
>>> mel.window(0).shape                                   # [n_mels, 3000], as log_mel's[:, :3000]
"""

from __future__ import annotations

import os
import tempfile
import weakref
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from sonitus.jit import lazy_jit

from .frontend import HOP, N_FFT, N_FRAMES, N_SAMPLES, SAMPLE_RATE, pad_or_trim

__all__ = ["MelArray", "MelFile", "LOUD_FLOOR"]

#: frames computed in one jitted call
_CHUNK = N_FRAMES
#: mel power (a frame's largest band) below which a frame is silence: about -90 dBFS
LOUD_FLOOR = 1e-9


@lazy_jit(static_argnames=("n_mels",))
def _raw_log_mel(x, n_mels):
    """log10 mel power of the uncentred frames of ``x`` (``(frames - 1) * HOP + N_FFT`` samples)."""
    import jax.numpy as jnp
    from sonitus.dsp import melspectrogram

    M = melspectrogram(x, sample_rate=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP, center=False, n_mels=n_mels)
    return jnp.log10(jnp.maximum(M, 1e-10))


class MelArray:
    """The log-mel of a waveform held in memory: :func:`.frontend.log_mel` with 30 s of padding."""

    def __init__(self, wave: np.ndarray, n_mels: int):
        from .frontend import log_mel

        self.mel = log_mel(wave, n_mels=n_mels, padding=N_SAMPLES)
        self.content_frames = self.mel.shape[-1] - N_FRAMES

    def window(self, seek: int) -> np.ndarray:
        """``[n_mels, 3000]`` frames from ``seek`` on (zeros past the audio's end)."""
        return pad_or_trim(self.mel[:, seek:min(seek + N_FRAMES, self.content_frames)])

    def next_sound(self, seek: int) -> int:
        """In memory the caller has already judged the sound: every frame counts."""
        return seek


class MelFile:
    """The log-mel of a long recording, kept in a temporary file (removed with the object)."""

    def __init__(self, path: Path, frames: int, n_mels: int, top: float, loud: np.ndarray):
        self.path, self.frames, self.n_mels, self.top = path, frames, n_mels, top
        self.loud = loud
        self.content_frames = frames - N_FRAMES
        self._remove = weakref.finalize(self, _unlink, str(path))

    @classmethod
    def from_blocks(cls, blocks: Iterable[np.ndarray], *, n_mels: int, folder: str | os.PathLike[str] | None = None,
                    progress=None) -> MelFile:
        """Read 16 kHz mono float ``blocks`` (any sizes, in order) once; ``progress(samples)``
        is told how far it got."""
        fd, name = tempfile.mkstemp(prefix="sonitus-mel-", suffix=".f32", dir=folder)
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as sink:
                frames, top, loud = _write_frames(blocks, n_mels, sink, progress)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return cls(path, frames, n_mels, top, loud)

    def window(self, seek: int) -> np.ndarray:
        """``[n_mels, 3000]`` normalised frames from ``seek`` on, as :func:`.frontend.log_mel` gives
        (zeros past the audio's end)."""
        count = max(0, min(N_FRAMES, self.content_frames - seek))
        with open(self.path, "rb") as f:
            f.seek(seek * self.n_mels * 4)
            raw = np.fromfile(f, np.float32, count * self.n_mels).reshape(count, self.n_mels)
        return pad_or_trim((np.maximum(raw, self.top - 8.0).T + 4.0) / 4.0)

    def next_sound(self, seek: int) -> int:
        """The first frame at or after ``seek`` that is not digital silence (a second before it,
        so that a word's onset is heard), or the end."""
        ahead = self.loud[seek:]
        first = int(np.argmax(ahead))  # stops at the first True; flatnonzero listed them all, every window
        return self.frames if not ahead.size or not ahead[first] else max(seek, seek + first - SAMPLE_RATE // HOP)

    def close(self) -> None:
        """Remove the temporary file now (it also goes when the object does)."""
        self._remove()


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _write_frames(blocks: Iterable[np.ndarray], n_mels: int, sink, progress) -> tuple[int, float, np.ndarray]:
    """Write the raw log10 mel frames ``[frames, n_mels]`` (float32, frame after frame) of the
    signal openai-whisper analyses: the waveform, 30 s of zeros, reflect-padded by N_FFT/2 at
    both ends. Returns (frames, largest value, frames that are not silence)."""
    half = N_FFT // 2
    need = (_CHUNK - 1) * HOP + N_FFT
    buf = np.zeros(0, np.float32)
    emitted, top, louds = 0, -np.inf, []
    started = False

    def emit(data: np.ndarray, frames: int) -> None:
        nonlocal emitted, top
        raw = np.asarray(_raw_log_mel(data, n_mels))[:, :frames]
        top = max(top, float(raw.max()))
        louds.append(raw.max(axis=0) > np.log10(LOUD_FLOOR))
        sink.write(np.ascontiguousarray(raw.T).tobytes())
        emitted += frames

    def padded():
        for block in blocks:
            yield block, True
        yield np.zeros(N_SAMPLES + half, np.float32), False  # openai-whisper's 30 s, the right reflect (of zeros)

    for block, real in padded():
        buf = np.concatenate([buf, np.asarray(block, np.float32)])
        if not started:
            if len(buf) <= half:
                continue
            buf = np.concatenate([buf[1:half + 1][::-1], buf])  # the left reflect padding
            started = True
        while len(buf) >= need:
            emit(buf[:need], _CHUNK)
            buf = buf[_CHUNK * HOP:]
        if progress is not None and real:
            progress(len(block))
    # log_mel keeps every frame of the padded signal but its last
    total = (emitted * HOP + len(buf) - N_FFT) // HOP
    if total > emitted:
        emit(np.pad(buf, (0, need - len(buf))), total - emitted)
    return total, top, np.concatenate(louds)[:total]
