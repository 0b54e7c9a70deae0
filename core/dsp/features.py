"""Feature kernels in JAX: power and mel spectrograms, log-mel, MFCC, deltas, CMVN, chroma.

Every kernel takes ``x`` as ``[samples]`` or ``[batch, samples]`` and returns librosa's
layout ``[..., dims, frames]``; the configuration is static (keyword-only) and the work is
one jitted function per configuration and input shape. ``lengths`` (valid samples per
item of a batch) masks the padding: frames past an item's end are zero, and the
``top_db`` floor and CMVN statistics use only valid frames, so a padded batch gives the
same values as the items one by one.

Defaults follow librosa (``n_fft=2048``, ``hop_length=512``, ``n_mels=128``, Slaney mel
filters, ``power_to_db(ref=1, amin=1e-10, top_db=80)``, ``n_mfcc=20``, orthonormal
DCT-II). Like librosa >= 0.10, centred frames are padded with zeros.
"""

from __future__ import annotations

import functools

import numpy as np
from sonitus.errors import ParameterError, whole_number
from sonitus.jit import lazy_jit

from .mel import dct_matrix, mel_filterbank
from .spectral import _defaults, _stft_frames, num_frames

__all__ = ["power_spectrogram", "melspectrogram", "power_to_db", "logmel", "mfcc", "check_mfcc_count", "deltas", "cmvn",
           "chroma", "frame_mask", "frame_lengths"]


def frame_lengths(lengths, *, hop_length: int, n_fft: int, center: bool = True):
    """Valid frames of each item, given its valid samples (NumPy in, NumPy out; JAX in, JAX out)."""
    lengths = lengths if hasattr(lengths, "shape") else np.asarray(lengths)
    return 1 + lengths // hop_length if center else 1 + (lengths - n_fft) // hop_length


def frame_mask(frame_lengths, frames: int):
    """``[batch, frames]`` booleans: True where a frame is valid."""
    import jax.numpy as jnp

    return jnp.arange(frames)[None, :] < jnp.asarray(frame_lengths)[:, None]


def _spec_config(n_fft, hop_length, win_length):
    hop, win = _defaults(n_fft, 512 if hop_length is None and win_length is None else hop_length,
                         win_length)
    return hop, win


def _power_frames(x, n_fft, hop_length, win_length, window, center, pad_mode, power):
    """``|STFT|**power`` frames-major ``[..., frames, bins]``."""
    import jax.numpy as jnp

    spec = _stft_frames(x, n_fft, hop_length, win_length, window, center, pad_mode)
    squared = spec.real ** 2 + spec.imag ** 2
    if power == 2.0:
        return squared
    return jnp.sqrt(squared) if power == 1.0 else squared ** (power / 2)


def _power(x, n_fft, hop_length, win_length, window, center, pad_mode, power):
    import jax.numpy as jnp

    return jnp.swapaxes(_power_frames(x, n_fft, hop_length, win_length, window, center, pad_mode, power), -1, -2)


def _db(S, ref, amin, top_db, mask):
    import jax.numpy as jnp

    log_spec = 10.0 * jnp.log10(jnp.maximum(amin, S)) - 10.0 * np.log10(max(amin, ref))
    if top_db is not None:
        if mask is None:
            peak = jnp.max(log_spec, axis=(-2, -1), keepdims=True)
        else:
            peak = jnp.max(jnp.where(mask[..., None, :], log_spec, -jnp.inf), axis=(-2, -1), keepdims=True)
        log_spec = jnp.maximum(log_spec, peak - top_db)
    return log_spec


def _mask_of(x, lengths, n_fft, hop_length, center):
    if lengths is None:
        return None
    import jax.numpy as jnp

    frames = num_frames(x.shape[-1], n_fft, hop_length, center)
    valid = 1 + lengths // hop_length if center else 1 + (lengths - n_fft) // hop_length
    return jnp.arange(frames)[None, :] < valid[:, None]


def _zero_padded(x, lengths):
    if lengths is None:
        return x
    import jax.numpy as jnp

    return jnp.where(jnp.arange(x.shape[-1])[None, :] < lengths[:, None], x, 0.0)


_STATIC = ("sample_rate", "n_fft", "hop_length", "win_length", "window", "center", "pad_mode", "power",
           "n_mels", "fmin", "fmax", "htk", "norm", "ref", "amin", "top_db", "n_mfcc", "lifter")


@lazy_jit(static_argnames=_STATIC[1:8])
def _power_kernel(x, lengths, n_fft, hop_length, win_length, window, center, pad_mode, power):
    S = _power(_zero_padded(x, lengths), n_fft, hop_length, win_length, window, center, pad_mode, power)
    mask = _mask_of(x, lengths, n_fft, hop_length, center)
    return S if mask is None else S * mask[..., None, :]


@lazy_jit(static_argnames=_STATIC[:13])
def _mel_kernel(x, lengths, sample_rate, n_fft, hop_length, win_length, window, center, pad_mode, power,
                n_mels, fmin, fmax, htk, norm):
    import jax.numpy as jnp

    P = _power_frames(_zero_padded(x, lengths), n_fft, hop_length, win_length, window, center, pad_mode, power)
    fb = jnp.asarray(mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax, htk=htk, norm=norm), P.dtype)
    M = jnp.swapaxes(jnp.einsum("...tf,mf->...tm", P, fb, precision="highest"), -1, -2)
    mask = _mask_of(x, lengths, n_fft, hop_length, center)
    return M, mask


@lazy_jit(static_argnames=_STATIC[:16])
def _logmel_kernel(x, lengths, sample_rate, n_fft, hop_length, win_length, window, center, pad_mode,
                   power, n_mels, fmin, fmax, htk, norm, ref, amin, top_db):
    M, mask = _mel_kernel.raw(x, lengths, sample_rate, n_fft, hop_length, win_length, window, center,
                              pad_mode, power, n_mels, fmin, fmax, htk, norm)
    L = _db(M, ref, amin, top_db, mask)
    return L if mask is None else L * mask[..., None, :]


@lazy_jit(static_argnames=_STATIC)
def _mfcc_kernel(x, lengths, sample_rate, n_fft, hop_length, win_length, window, center, pad_mode, power,
                 n_mels, fmin, fmax, htk, norm, ref, amin, top_db, n_mfcc, lifter):
    import jax.numpy as jnp

    L = _logmel_kernel.raw(x, lengths, sample_rate, n_fft, hop_length, win_length, window, center,
                           pad_mode, power, n_mels, fmin, fmax, htk, norm, ref, amin, top_db)
    D = jnp.asarray(dct_matrix(n_mels, n_mfcc), L.dtype)
    C = jnp.einsum("mk,...mt->...kt", D, L, precision="highest")
    if lifter > 0:
        lift = 1 + (lifter / 2) * np.sin(np.pi * np.arange(1, 1 + n_mfcc) / lifter)
        C = C * jnp.asarray(lift, C.dtype)[:, None]
    return C


def _prepare(x, lengths):
    import jax.numpy as jnp

    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.float32)
    if lengths is not None:
        if x.ndim != 2:
            raise ParameterError("lengths is for a batch [batch, samples]; pass x with two dimensions.")
        lengths = jnp.asarray(lengths, jnp.int32)
    return x, lengths


def power_spectrogram(x, *, lengths=None, n_fft: int = 2048, hop_length: int | None = None,
                      win_length: int | None = None, window: str = "hann", center: bool = True,
                      pad_mode: str = "constant", power: float = 2.0):
    """``|STFT|**power`` as ``[..., 1 + n_fft // 2, frames]``."""
    x, lengths = _prepare(x, lengths)
    hop, win = _spec_config(n_fft, hop_length, win_length)
    return _power_kernel(x, lengths, n_fft, hop, win, window, center, pad_mode, float(power))


def melspectrogram(x, *, sample_rate: int, lengths=None, n_fft: int = 2048, hop_length: int | None = None,
                   win_length: int | None = None, window: str = "hann", center: bool = True,
                   pad_mode: str = "constant", power: float = 2.0, n_mels: int = 128, fmin: float = 0.0,
                   fmax: float | None = None, htk: bool = False, norm: str | None = "slaney"):
    """Mel spectrogram ``[..., n_mels, frames]`` (power, like ``librosa.feature.melspectrogram``)."""
    x, lengths = _prepare(x, lengths)
    hop, win = _spec_config(n_fft, hop_length, win_length)
    M, mask = _mel_kernel(x, lengths, int(sample_rate), n_fft, hop, win, window, center, pad_mode,
                          float(power), n_mels, float(fmin), fmax, htk, norm)
    return M if mask is None else M * mask[..., None, :]


def power_to_db(S, *, ref: float = 1.0, amin: float = 1e-10, top_db: float | None = 80.0):
    """``10 * log10(S / ref)``, floored at ``amin`` and at ``top_db`` below the peak of each item."""
    import jax.numpy as jnp

    return _db(jnp.asarray(S), ref, amin, top_db, None)


def logmel(x, *, sample_rate: int, lengths=None, n_fft: int = 2048, hop_length: int | None = None,
           win_length: int | None = None, window: str = "hann", center: bool = True,
           pad_mode: str = "constant", power: float = 2.0, n_mels: int = 128, fmin: float = 0.0,
           fmax: float | None = None, htk: bool = False, norm: str | None = "slaney", ref: float = 1.0,
           amin: float = 1e-10, top_db: float | None = 80.0):
    """Log-mel spectrogram in dB ``[..., n_mels, frames]``.

    Equals ``librosa.power_to_db(librosa.feature.melspectrogram(...), ref, amin, top_db)``.
    Differentiable with ``jax.grad`` with respect to ``x``.
    """
    x, lengths = _prepare(x, lengths)
    hop, win = _spec_config(n_fft, hop_length, win_length)
    return _logmel_kernel(x, lengths, int(sample_rate), n_fft, hop, win, window, center, pad_mode,
                          float(power), n_mels, float(fmin), fmax, htk, norm, float(ref), float(amin),
                          None if top_db is None else float(top_db))


def check_mfcc_count(n_mfcc, n_mels) -> int:
    """``n_mfcc`` as an int in ``[1, n_mels]``, or a ParameterError saying why."""
    return whole_number(n_mfcc, "n_mfcc", 1, n_mels,
                        why=": an MFCC is one DCT coefficient of the n_mels log-mel bands")


def mfcc(x, *, sample_rate: int, n_mfcc: int = 20, lengths=None, n_fft: int = 2048,
         hop_length: int | None = None, win_length: int | None = None, window: str = "hann",
         center: bool = True, pad_mode: str = "constant", n_mels: int = 128, fmin: float = 0.0,
         fmax: float | None = None, htk: bool = False, norm: str | None = "slaney", top_db: float | None = 80.0,
         lifter: float = 0.0):
    """MFCCs ``[..., n_mfcc, frames]``: orthonormal DCT-II of the log-mel spectrogram.

    Equals ``librosa.feature.mfcc`` with the same options (``1 <= n_mfcc <= n_mels``).
    """
    check_mfcc_count(n_mfcc, n_mels)
    x, lengths = _prepare(x, lengths)
    hop, win = _spec_config(n_fft, hop_length, win_length)
    return _mfcc_kernel(x, lengths, int(sample_rate), n_fft, hop, win, window, center, pad_mode, 2.0,
                        n_mels, float(fmin), fmax, htk, norm, 1.0, 1e-10,
                        None if top_db is None else float(top_db), int(n_mfcc), float(lifter))


@functools.lru_cache(maxsize=8)
def _savgol_weights(width: int, order: int) -> np.ndarray:
    half = width // 2
    t = np.arange(-half, half + 1, dtype=np.float64)
    vander = np.vander(t, order + 1, increasing=True)
    return np.linalg.pinv(vander)[order] * float(np.prod(np.arange(1, order + 1)))


@lazy_jit(static_argnames=("width", "order"))
def _delta_kernel(F, frame_lengths, width, order):
    import jax.numpy as jnp

    half = width // 2
    w = jnp.asarray(_savgol_weights(width, order), F.dtype)
    frames = F.shape[-1]
    padded = jnp.pad(F, [(0, 0)] * (F.ndim - 1) + [(half, half)])
    interior = sum(w[j] * padded[..., j:j + frames] for j in range(width))
    t = jnp.arange(frames)
    if frame_lengths is None:
        index = jnp.clip(t, half, frames - half - 1)
        return jnp.take(interior, index, axis=-1)
    index = jnp.clip(t[None, :], half, frame_lengths[:, None] - half - 1)
    out = jnp.take_along_axis(interior, jnp.broadcast_to(index[:, None, :], interior.shape), axis=-1)
    return out * (t[None, :] < frame_lengths[:, None])[:, None, :]


def deltas(F, *, width: int = 9, order: int = 1, frame_lengths=None):
    """Local derivative of features ``[..., dims, frames]`` along time, as ``librosa.feature.delta``.

    A Savitzky-Golay derivative over ``width`` frames (odd, >= 3); ``order=2`` gives
    delta-deltas. Needs at least ``width`` valid frames per item.
    """
    import jax.numpy as jnp

    if width < 3 or width % 2 == 0:
        raise ParameterError(f"deltas width must be an odd integer >= 3, not {width}.")
    F = jnp.asarray(F)
    if F.shape[-1] < width:
        raise ParameterError(f"deltas need at least width={width} frames; got {F.shape[-1]}. "
                             f"Use a smaller width or a longer clip.")
    lengths = None if frame_lengths is None else jnp.asarray(frame_lengths, jnp.int32)
    return _delta_kernel(F, lengths, int(width), int(order))


def cmvn(F, *, frame_lengths=None, variance: bool = True, eps: float = 1e-8):
    """Per-utterance mean (and variance) normalisation of ``[..., dims, frames]`` over valid frames."""
    import jax.numpy as jnp

    F = jnp.asarray(F)
    if frame_lengths is None:
        mean = F.mean(axis=-1, keepdims=True)
        out = F - mean
        return out / jnp.sqrt((out ** 2).mean(axis=-1, keepdims=True) + eps) if variance else out
    mask = (jnp.arange(F.shape[-1])[None, :] < jnp.asarray(frame_lengths)[:, None])[:, None, :]
    count = jnp.maximum(mask.sum(axis=-1, keepdims=True), 1)
    mean = jnp.where(mask, F, 0).sum(axis=-1, keepdims=True) / count
    out = jnp.where(mask, F - mean, 0)
    if variance:
        out = out / jnp.sqrt((out ** 2).sum(axis=-1, keepdims=True) / count + eps)
    return out


@functools.lru_cache(maxsize=16)
def chroma_filterbank(sample_rate: int, n_fft: int, n_chroma: int = 12, tuning: float = 0.0,
                      ctroct: float = 5.0, octwidth: float | None = 2.0, base_c: bool = True) -> np.ndarray:
    """Chroma filters ``[n_chroma, 1 + n_fft // 2]``, as ``librosa.filters.chroma``."""
    frequencies = np.linspace(0, sample_rate, n_fft, endpoint=False)[1:]
    a440 = 440.0 * 2.0 ** (tuning / n_chroma)
    frqbins = n_chroma * np.log2(frequencies / (a440 / 16))
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidth = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    D = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    half = round(float(n_chroma) / 2)
    D = np.remainder(D + half + 10 * n_chroma, n_chroma) - half
    wts = np.exp(-0.5 * (2 * D / np.tile(binwidth, (n_chroma, 1))) ** 2)
    norms = np.sqrt((wts ** 2).sum(axis=0, keepdims=True))
    wts = wts / np.where(norms < np.finfo(float).tiny, 1.0, norms)
    if octwidth is not None:
        wts *= np.tile(np.exp(-0.5 * (((frqbins / n_chroma - ctroct) / octwidth) ** 2)), (n_chroma, 1))
    if base_c:
        wts = np.roll(wts, -3 * (n_chroma // 12), axis=0)
    out = np.ascontiguousarray(wts[:, : int(1 + n_fft / 2)])
    out.flags.writeable = False
    return out


def chroma(x, *, sample_rate: int, n_chroma: int = 12, tuning: float = 0.0, n_fft: int = 2048,
           hop_length: int | None = None, win_length: int | None = None, window: str = "hann",
           center: bool = True, pad_mode: str = "constant"):
    """Chromagram ``[..., n_chroma, frames]``, each frame scaled to a maximum of 1.

    As ``librosa.feature.chroma_stft(..., tuning=tuning)``; pitch class 0 is C.
    """
    import jax.numpy as jnp

    S = power_spectrogram(x, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                          center=center, pad_mode=pad_mode)
    fb = jnp.asarray(chroma_filterbank(int(sample_rate), n_fft, n_chroma, tuning), S.dtype)
    raw = jnp.einsum("cf,...ft->...ct", fb, S, precision="highest")
    peak = jnp.max(jnp.abs(raw), axis=-2, keepdims=True)
    return raw / jnp.where(peak < np.finfo(np.float32).tiny, 1.0, peak)
