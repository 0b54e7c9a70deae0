"""Short-time Fourier transforms in JAX, with librosa's conventions.

Arrays are ``[..., samples]`` in and ``[..., 1 + n_fft // 2, frames]`` out (librosa's
layout). With ``center=True`` the signal is padded by ``n_fft // 2`` on both sides with
zeros (``pad_mode="constant"``, librosa >= 0.10's default) or by reflection
(``pad_mode="reflect"``, librosa < 0.10's default).
"""

from __future__ import annotations

import functools

import numpy as np
from sonitus.errors import ParameterError
from sonitus.jit import lazy_jit

__all__ = ["get_window", "frame", "stft", "istft", "num_frames"]


@functools.lru_cache(maxsize=32)
def get_window(window: str, win_length: int, n_fft: int) -> np.ndarray:
    """A periodic window of ``win_length`` samples, zero-padded to ``n_fft`` (centred)."""
    if win_length > n_fft:
        raise ParameterError(f"win_length ({win_length}) cannot exceed n_fft ({n_fft}).")
    n = np.arange(win_length)
    if window in ("hann", "hanning"):
        w = 0.5 - 0.5 * np.cos(2.0 * np.pi * n / win_length)
    elif window == "hamming":
        w = 0.54 - 0.46 * np.cos(2.0 * np.pi * n / win_length)
    elif window in ("ones", "boxcar", "rectangular"):
        w = np.ones(win_length)
    else:
        from scipy.signal import get_window as scipy_window

        try:
            w = scipy_window(window, win_length, fftbins=True)
        except ValueError as exc:
            raise ParameterError(f"Unknown window {window!r}: {exc}.") from exc
    left = (n_fft - win_length) // 2
    w = np.pad(w, (left, n_fft - win_length - left))
    w.flags.writeable = False
    return w


def num_frames(samples: int, n_fft: int, hop_length: int, center: bool = True) -> int:
    """Frames an STFT of ``samples`` samples has."""
    if center:
        return 1 + samples // hop_length
    if samples < n_fft:
        raise ParameterError(f"A signal of {samples} samples is shorter than n_fft={n_fft}; "
                             f"use center=True or a smaller n_fft.")
    return 1 + (samples - n_fft) // hop_length


def frame(x, n_fft: int, hop_length: int):
    """Overlapping frames ``[..., frames, n_fft]`` of ``x`` ``[..., samples]`` (no padding).

    Built from one dynamic slice per frame start, so a long signal compiles into a small
    gather instead of a constant index table of ``frames * n_fft`` entries.
    """
    import jax
    import jax.numpy as jnp

    count = 1 + (x.shape[-1] - n_fft) // hop_length
    starts = jnp.arange(count) * hop_length

    def frames_of(row):
        return jax.vmap(lambda s: jax.lax.dynamic_slice_in_dim(row, s, n_fft))(starts)

    flat = x.reshape((-1, x.shape[-1]))
    return jax.vmap(frames_of)(flat).reshape(x.shape[:-1] + (count, n_fft))


def _pad(x, n_fft: int, pad_mode: str):
    import jax.numpy as jnp

    pad = [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)]
    if pad_mode == "constant":
        return jnp.pad(x, pad)
    if pad_mode == "reflect":
        return jnp.pad(x, pad, mode="reflect")
    raise ParameterError(f"pad_mode must be 'constant' or 'reflect', not {pad_mode!r}.")


def _stft_frames(x, n_fft, hop_length, win_length, window, center, pad_mode):
    """The STFT frames-major, ``[..., frames, 1 + n_fft // 2]`` (cheaper to feed a matmul)."""
    import jax.numpy as jnp

    if center:
        x = _pad(x, n_fft, pad_mode)
    w = jnp.asarray(get_window(window, win_length, n_fft), dtype=x.dtype)
    return jnp.fft.rfft(frame(x, n_fft, hop_length) * w, axis=-1)


@lazy_jit(static_argnames=("n_fft", "hop_length", "win_length", "window", "center", "pad_mode"))
def _stft(x, n_fft, hop_length, win_length, window, center, pad_mode):
    import jax.numpy as jnp

    return jnp.swapaxes(_stft_frames(x, n_fft, hop_length, win_length, window, center, pad_mode), -1, -2)


def _defaults(n_fft: int, hop_length: int | None, win_length: int | None) -> tuple[int, int]:
    win_length = n_fft if win_length is None else int(win_length)
    hop_length = win_length // 4 if hop_length is None else int(hop_length)
    if hop_length < 1 or n_fft < 2:
        raise ParameterError(f"need n_fft >= 2 and hop_length >= 1; got n_fft={n_fft}, hop_length={hop_length}.")
    return hop_length, win_length


def stft(x, *, n_fft: int = 2048, hop_length: int | None = None, win_length: int | None = None,
         window: str = "hann", center: bool = True, pad_mode: str = "constant"):
    """Complex STFT ``[..., 1 + n_fft // 2, frames]`` of ``x`` ``[..., samples]`` (jitted).

    Defaults match ``librosa.stft``: ``hop_length = win_length // 4``, a periodic Hann
    window, centred frames padded with zeros.
    """
    import jax.numpy as jnp

    hop_length, win_length = _defaults(n_fft, hop_length, win_length)
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.float32)
    num_frames(x.shape[-1], n_fft, hop_length, center)
    return _stft(x, n_fft, hop_length, win_length, window, center, pad_mode)


def window_envelope(w: np.ndarray, hop_length: int, frames: int) -> np.ndarray:
    """The squared window overlap-added over ``frames`` frames ``[n_fft + hop * (frames - 1)]``,
    what an inverse STFT divides by; 1 where it is (numerically) zero."""
    envelope = np.zeros(len(w) + hop_length * (frames - 1))
    np.add.at(envelope, (np.arange(frames)[:, None] * hop_length + np.arange(len(w))).ravel(), np.tile(w ** 2, frames))
    return np.where(envelope > np.finfo(np.float32).tiny, envelope, 1.0)


@lazy_jit(static_argnames=("n_fft", "hop_length", "win_length", "window", "center", "length"))
def _istft(spec, n_fft, hop_length, win_length, window, center, length):
    import jax.numpy as jnp

    frames = jnp.fft.irfft(jnp.swapaxes(spec, -1, -2), n=n_fft, axis=-1)
    w = get_window(window, win_length, n_fft)
    frames = frames * jnp.asarray(w, dtype=frames.dtype)
    count = frames.shape[-2]
    total = n_fft + hop_length * (count - 1)
    index = (np.arange(count)[:, None] * hop_length + np.arange(n_fft)[None, :]).reshape(-1)
    batch_shape = frames.shape[:-2]
    out = jnp.zeros(batch_shape + (total,), frames.dtype)
    out = out.at[..., index].add(frames.reshape(batch_shape + (-1,)))
    out = out / jnp.asarray(window_envelope(w, hop_length, count), dtype=out.dtype)
    start = n_fft // 2 if center else 0
    if length is None:
        end = total - n_fft // 2 if center else total
    else:
        end = start + length
        if end > total:
            out = jnp.pad(out, [(0, 0)] * len(batch_shape) + [(0, end - total)])
    return out[..., start:end]


def istft(spec, *, hop_length: int | None = None, win_length: int | None = None,
          n_fft: int | None = None, window: str = "hann", center: bool = True,
          length: int | None = None):
    """Inverse STFT by weighted overlap-add; ``istft(stft(x), length=len(x))`` gives back ``x``."""
    import jax.numpy as jnp

    spec = jnp.asarray(spec)
    n_fft = 2 * (spec.shape[-2] - 1) if n_fft is None else int(n_fft)
    hop_length, win_length = _defaults(n_fft, hop_length, win_length)
    return _istft(spec, n_fft, hop_length, win_length, window, center, length)
