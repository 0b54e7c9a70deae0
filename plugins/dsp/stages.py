"""The DSP stages: thin wrappers that turn Audio into arrays, call a kernel, and wrap the result.

Feature stages batch in ``map``: clips of one sample rate are padded to a bucketed length
(powers of two up to 32768 samples, then multiples of 32768, so few shapes compile),
processed ``chunk`` clips per jitted call with their true lengths as a mask, and cut
back to each clip's own frame count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sonitus import Audio, Features, Spectrogram
from sonitus.dsp.features import check_mfcc_count
from sonitus.errors import whole_number
from sonitus.jit import bucket_length as _bucket_length
from sonitus.stages import StageBase

BUCKET = 32768
#: powers of two from 1,024 to 32,768 samples, then multiples of 32,768
BUCKET_SIZES = tuple(1 << k for k in range(10, 16))


def bucket_length(samples: int) -> int:
    """The padded length a clip of ``samples`` samples is batched at."""
    return _bucket_length(samples, sizes=BUCKET_SIZES, step=BUCKET)


class AudioStage(StageBase):
    """Audio -> Audio through a function of (samples [channels, frames], sample_rate)."""

    consumes = Audio
    produces = Audio

    def __init__(self, name: str, function: Callable[[Any, int], Any], options: dict[str, Any], *,
                 fusable: bool = False) -> None:
        self.name = name
        self.function = function
        self.options = options
        #: the function is traceable JAX, linear and causal, and keeps the length: it gives the
        #: same samples on the mono mix of a zero-padded batch, so it can run inside the next
        #: stage's jitted kernel
        self.fusable = fusable

    def __call__(self, audio: Audio) -> Audio:
        return Audio(np.asarray(self.function(audio.samples, audio.sample_rate), np.float32), audio.sample_rate)

    def fuse(self, after: Any) -> StageBase | None:
        """Run inside a following feature extractor's jitted kernel, or chain with a following
        fusable preprocessor; ``None`` for anything else."""
        if not self.fusable:
            return None
        if isinstance(after, FeatureStage):
            return after.preprocessed_by(self)
        if isinstance(after, AudioStage) and after.fusable:
            first, then = self.function, after.function
            return AudioStage(f"{self.name}+{after.name}", lambda x, sr: then(first(x, sr), sr),
                              {**self.options, **after.options}, fusable=True)
        return None

    def __repr__(self) -> str:
        return f"<stage {self.name}({', '.join(f'{k}={v!r}' for k, v in self.options.items())}): Audio -> Audio>"


class FeatureStage(StageBase):
    """Audio -> Features through a batched kernel ``kernel(x [batch, samples], sample_rate, lengths)``.

    The kernel returns ``[batch, dims, frames]``; ``frames_of(samples)`` gives each clip's frame count.
    """

    consumes = Audio
    produces = Features

    def __init__(self, name: str, kind: str, kernel: Callable[..., Any], frames_of: Callable[[int], int],
                 hop_length: int, options: dict[str, Any], chunk: int = 8) -> None:
        self.name = name
        self.kind = kind
        self.kernel = kernel
        self.frames_of = frames_of
        self.hop_length = hop_length
        self.options = options
        self.chunk = chunk

    def __call__(self, audio: Audio) -> Features:
        return self.map([audio])[0]

    def preprocessed_by(self, pre: AudioStage) -> FeatureStage:
        """This extractor with ``pre`` applied to each batch first, the two in one jitted function."""
        import jax

        kernel, function = self.kernel, pre.function
        fused = jax.jit(lambda x, sr, lengths: kernel(function(x, sr), sr, lengths), static_argnums=1)
        return FeatureStage(f"{pre.name}+{self.name}", self.kind, fused, self.frames_of, self.hop_length,
                            {**pre.options, **self.options}, chunk=self.chunk)

    def map(self, audios: Sequence[Audio]) -> list[Features]:
        out: list[Features | None] = [None] * len(audios)
        by_rate: dict[int, list[int]] = {}
        for i, audio in enumerate(audios):
            by_rate.setdefault(audio.sample_rate, []).append(i)
        for rate, indices in by_rate.items():
            indices = sorted(indices, key=lambda i: audios[i].frames)
            for start in range(0, len(indices), self.chunk):
                part = indices[start:start + self.chunk]
                length = bucket_length(max(audios[i].frames for i in part))
                batch = np.zeros((len(part), length), np.float32)
                for row, i in enumerate(part):
                    batch[row, :audios[i].frames] = audios[i].mono
                lengths = np.array([audios[i].frames for i in part], np.int32)
                result = np.asarray(self.kernel(batch, rate, lengths))
                for row, i in enumerate(part):
                    frames = self.frames_of(audios[i].frames)
                    out[i] = Features(np.ascontiguousarray(result[row, :, :frames].T), rate / self.hop_length,
                                      self.kind)
        return out  # type: ignore[return-value]


#: the largest FFT a stage takes (4 s at 16 kHz): larger ones only exhaust memory
MAX_N_FFT = 65536


def spectral_options(n_fft: int, hop_length: int | None, win_length: int | None) -> tuple[int, int]:
    from sonitus.dsp.spectral import _defaults

    n_fft = whole_number(n_fft, "n_fft", 16, MAX_N_FFT, unit=" samples")
    return _defaults(n_fft, hop_length if hop_length is not None or win_length is not None else 512, win_length)


def mel_options(n_mels, n_mfcc=None) -> None:
    """Check mel band and cepstral coefficient counts: whole numbers, 1 <= n_mfcc <= n_mels <= 1024."""
    whole_number(n_mels, "n_mels", 1, 1024)
    if n_mfcc is not None:
        check_mfcc_count(n_mfcc, n_mels)


def frames_counter(hop_length: int, center: bool, n_fft: int) -> Callable[[int], int]:
    from sonitus.dsp.spectral import num_frames

    return lambda samples: num_frames(samples, n_fft, hop_length, center)


class SpectrogramStage(StageBase):
    """Audio -> Spectrogram (linear magnitude of the mono mix)."""

    consumes = Audio
    produces = Spectrogram
    name = "spectrogram"

    def __init__(self, n_fft: int, hop_length: int, win_length: int, window: str) -> None:
        self.n_fft, self.hop_length, self.win_length, self.window = n_fft, hop_length, win_length, window

    def __call__(self, audio: Audio) -> Spectrogram:
        from sonitus.dsp.spectral import stft

        spec = stft(audio.mono, n_fft=self.n_fft, hop_length=self.hop_length, win_length=self.win_length,
                    window=self.window)
        return Spectrogram(np.abs(np.asarray(spec)), audio.sample_rate, self.n_fft, self.hop_length)


class GriffinLimRenderer(StageBase):
    """Spectrogram -> Audio by fast Griffin-Lim."""

    consumes = Spectrogram
    produces = Audio
    name = "griffin-lim"

    def __init__(self, n_iter: int, momentum: float, seed: int, window: str) -> None:
        self.n_iter, self.momentum, self.seed, self.window = n_iter, momentum, seed, window

    def __call__(self, spec: Spectrogram) -> Audio:
        from sonitus.dsp.griffinlim import griffinlim

        length = (spec.frames - 1) * spec.hop_length
        y = griffinlim(np.asarray(spec.magnitude, np.float32), n_iter=self.n_iter, hop_length=spec.hop_length,
                       n_fft=spec.n_fft, momentum=self.momentum, seed=self.seed, window=self.window,
                       length=length)
        y = np.asarray(y, np.float32)
        return Audio(y if y.ndim == 1 else y.reshape(-1, y.shape[-1]), spec.sample_rate)
