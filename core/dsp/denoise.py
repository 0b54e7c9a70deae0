"""Spectral-gating noise reduction in JAX.

A noise profile (mean and spread of each frequency's level in dB) comes from a given
noise clip, or from the quietest frames of the signal itself (stationary mode); in
non-stationary mode the floor is a running minimum over time. Time-frequency cells that
rise far enough above the floor keep their level, the rest are attenuated, and a Wiener
gain on time-smoothed power removes what noise is left under the signal.
"""

from __future__ import annotations

import numpy as np
from sonitus.errors import ParameterError
from sonitus.jit import lazy_jit

from .spectral import _istft, _stft

__all__ = ["denoise"]


@lazy_jit(static_argnames=("n_fft", "hop_length", "stationary", "quiet_fraction", "time_frames",
                           "window_frames"))
def _denoise(x, noise, n_std, prop_decrease, floor, n_fft, hop_length, stationary, quiet_fraction,
             time_frames, window_frames):
    import jax
    import jax.numpy as jnp

    S = _stft.raw(x, n_fft, hop_length, n_fft, "hann", True, "constant")
    P = jnp.abs(S) ** 2
    db = 10 * jnp.log10(P + 1e-20)
    if noise is not None:
        N = _stft.raw(noise, n_fft, hop_length, n_fft, "hann", True, "constant")
        noise_power = jnp.abs(N) ** 2
        ndb = 10 * jnp.log10(noise_power + 1e-20)
        threshold = ndb.mean(axis=-1, keepdims=True) + n_std * ndb.std(axis=-1, keepdims=True)
        noise_power = noise_power.mean(axis=-1, keepdims=True)
    elif stationary:
        count = max(1, int(round(quiet_fraction * db.shape[-1])))
        quiet = jnp.argsort(db.mean(axis=-2), axis=-1)[..., :count]
        pick = jnp.broadcast_to(quiet[..., None, :], db.shape[:-1] + (count,))
        qdb = jnp.take_along_axis(db, pick, axis=-1)
        threshold = qdb.mean(axis=-1, keepdims=True) + n_std * qdb.std(axis=-1, keepdims=True)
        noise_power = jnp.take_along_axis(P, pick, axis=-1).mean(axis=-1, keepdims=True)
    else:
        # Minimum statistics: the running minimum of power smoothed over ~8 frames, scaled
        # up by the bias of such a minimum for noise (about 4 dB).
        smooth8 = jnp.apply_along_axis(lambda r: jnp.convolve(r, jnp.ones(8) / 8, mode="same"), -1, P)
        pad = [(0, 0)] * (P.ndim - 1) + [(window_frames // 2, window_frames // 2)]
        minimum = -jax.lax.reduce_window(-jnp.pad(smooth8, pad, mode="edge"), -jnp.inf, jax.lax.max,
                                         (1,) * (P.ndim - 1) + (window_frames,), (1,) * P.ndim, "valid")
        noise_power = minimum * 2.5
        threshold = 10 * jnp.log10(noise_power + 1e-20) + n_std * 5.6
    gate = jax.nn.sigmoid((db - threshold) * 0.5)
    kernel = jnp.ones((time_frames,), P.dtype) / time_frames
    smoothed = jnp.apply_along_axis(lambda r: jnp.convolve(r, kernel, mode="same"), -1, P)
    wiener = jnp.maximum(floor, 1.0 - noise_power / jnp.maximum(smoothed, 1e-20))
    gain = 1.0 - prop_decrease * (1.0 - gate * wiener)
    return _istft.raw(S * gain, n_fft, hop_length, n_fft, "hann", True, x.shape[-1])


def denoise(x, *, sample_rate: int, noise=None, n_std: float = 1.0, prop_decrease: float = 1.0,
            stationary: bool = True, n_fft: int | None = None, quiet_fraction: float = 0.1,
            time_smooth_ms: float = 50.0, window_ms: float = 1500.0, floor: float = 0.05):
    """Reduce background noise in ``x`` ``[..., samples]``.

    Args:
        sample_rate: Hz.
        noise: a clip of the noise alone; without it the noise profile comes from the
            quietest ``quiet_fraction`` of frames (stationary) or a running minimum.
        n_std: how many standard deviations above the noise mean a cell must rise to pass.
        prop_decrease: 1 removes the gated cells fully; 0.5 halves them.
        stationary: ``False`` tracks a changing noise floor over ``window_ms``.
        n_fft: analysis size (default about 64 ms at ``sample_rate``).
        time_smooth_ms: power smoothing before the Wiener gain (less musical noise).
        floor: the smallest gain a cell gets (0.05 is -26 dB).

    The gain of each time-frequency cell is a soft gate (the cell's level against the
    threshold) times a Wiener gain ``1 - noise_power / power``.
    """
    import jax.numpy as jnp

    if not 0 <= prop_decrease <= 1:
        raise ParameterError(f"prop_decrease must be in [0, 1], not {prop_decrease}.")
    if not 0 < quiet_fraction <= 1:
        raise ParameterError(f"quiet_fraction must be in (0, 1], not {quiet_fraction}.")
    n_fft = int(n_fft or 2 ** int(np.ceil(np.log2(0.064 * sample_rate))))
    hop = n_fft // 4
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.float32)
    time_frames = max(1, int(round(time_smooth_ms / 1000 * sample_rate / hop)))
    window_frames = max(3, int(round(window_ms / 1000 * sample_rate / hop)) | 1)
    noise = None if noise is None else jnp.asarray(noise, x.dtype)
    return _denoise(x, noise, jnp.asarray(n_std, x.dtype), jnp.asarray(prop_decrease, x.dtype),
                    jnp.asarray(floor, x.dtype), n_fft, hop, bool(stationary), float(quiet_fraction),
                    time_frames, window_frames)
