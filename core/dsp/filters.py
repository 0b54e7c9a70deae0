"""IIR filtering in JAX: Butterworth filters as second-order sections, causal or zero-phase.

The filter is designed with ``scipy.signal.butter(..., output="sos")`` (a well-kept
design routine); applying it is a jitted ``lax.scan`` over samples that runs all sections
of the cascade in one step, batched over leading axes and differentiable. ``sosfilt``
and ``sosfiltfilt`` give the same numbers as SciPy's functions of those names.
"""

from __future__ import annotations

import functools

import numpy as np
from sonitus.errors import ParameterError
from sonitus.jit import lazy_jit

__all__ = ["butter_sos", "sosfilt", "sosfiltfilt", "pre_emphasis"]


@functools.lru_cache(maxsize=64)
def _butter(order: int, cutoff: tuple[float, ...], btype: str, sample_rate: int) -> np.ndarray:
    from scipy.signal import butter

    nyquist = sample_rate / 2
    if order < 1:
        raise ParameterError(f"filter order must be >= 1, not {order}.")
    if any(not 0 < c < nyquist for c in cutoff):
        raise ParameterError(f"cutoff frequencies {list(cutoff)} Hz must lie strictly between 0 and "
                             f"the Nyquist frequency {nyquist:g} Hz.")
    if btype == "bandpass" and not cutoff[0] < cutoff[1]:
        raise ParameterError(f"a band-pass needs low < high, got {list(cutoff)} Hz.")
    sos = butter(order, cutoff if len(cutoff) > 1 else cutoff[0], btype=btype, fs=sample_rate, output="sos")
    sos.flags.writeable = False
    return sos


def butter_sos(order: int, cutoff: float | tuple[float, float], btype: str, sample_rate: int) -> np.ndarray:
    """Second-order sections ``[n_sections, 6]`` of a Butterworth filter.

    Args:
        order: filter order (any positive integer).
        cutoff: -3 dB frequency in Hz, or ``(low, high)`` for ``"bandpass"``/``"bandstop"``.
        btype: ``"lowpass"``, ``"highpass"``, ``"bandpass"`` or ``"bandstop"``.
        sample_rate: Hz.
    """
    if btype not in ("lowpass", "highpass", "bandpass", "bandstop"):
        raise ParameterError(f"btype must be lowpass, highpass, bandpass or bandstop, not {btype!r}.")
    cutoff = tuple(float(c) for c in np.atleast_1d(cutoff))
    if len(cutoff) != (2 if btype in ("bandpass", "bandstop") else 1):
        raise ParameterError(f"a {btype} filter needs {'two cutoffs (low, high)' if btype.startswith('band') else 'one cutoff'}.")
    return _butter(int(order), cutoff, btype, int(sample_rate)).copy()


def _cascade(sos, x, zi):
    """Direct form II transposed, all sections per sample; x ``[..., n]``, zi ``[..., sections, 2]``."""
    import jax
    import jax.numpy as jnp

    b = sos[:, :3] / sos[:, 3:4]
    a = sos[:, 3:] / sos[:, 3:4]

    def step(z, sample):
        outs = []
        value = sample
        new_z = []
        for s in range(sos.shape[0]):
            y = b[s, 0] * value + z[..., s, 0]
            z0 = b[s, 1] * value - a[s, 1] * y + z[..., s, 1]
            z1 = b[s, 2] * value - a[s, 2] * y
            new_z.append(jnp.stack([z0, z1], axis=-1))
            value = y
        outs.append(value)
        return jnp.stack(new_z, axis=-2), value

    zf, ys = jax.lax.scan(step, zi, jnp.moveaxis(x, -1, 0))
    return jnp.moveaxis(ys, 0, -1), zf


@lazy_jit()
def _sosfilt(sos, x, zi):
    return _cascade(sos, x, zi)[0]


def _zi(sos: np.ndarray) -> np.ndarray:
    from scipy.signal import sosfilt_zi

    return sosfilt_zi(sos)


def sosfilt(sos, x):
    """Filter ``x`` ``[..., samples]`` causally with second-order sections (as ``scipy.signal.sosfilt``)."""
    import jax.numpy as jnp

    x = jnp.asarray(x)
    sos = jnp.asarray(np.asarray(sos), x.dtype)
    zi = jnp.zeros(x.shape[:-1] + (sos.shape[0], 2), x.dtype)
    return _sosfilt(sos, x, zi)


@lazy_jit(static_argnames=("edge",))
def _sosfiltfilt(sos, zi, x, edge):
    import jax.numpy as jnp

    left = 2 * x[..., :1] - x[..., edge:0:-1]
    right = 2 * x[..., -1:] - x[..., -2:-(edge + 2):-1]
    ext = jnp.concatenate([left, x, right], axis=-1)
    y, _ = _cascade(sos, ext, zi * ext[..., :1, None])
    y = jnp.flip(y, axis=-1)
    y, _ = _cascade(sos, y, zi * y[..., :1, None])
    return jnp.flip(y, axis=-1)[..., edge:-edge]


def sosfiltfilt(sos, x):
    """Zero-phase forward-backward filtering with odd extension (as ``scipy.signal.sosfiltfilt``)."""
    import jax.numpy as jnp

    sos_np = np.asarray(sos, dtype=np.float64)
    x = jnp.asarray(x)
    ntaps = 2 * len(sos_np) + 1 - min(int((sos_np[:, 2] == 0).sum()), int((sos_np[:, 5] == 0).sum()))
    edge = 3 * ntaps
    if x.shape[-1] <= edge:
        raise ParameterError(f"zero-phase filtering of this order needs more than {edge} samples; "
                             f"got {x.shape[-1]}. Use a lower order or zero_phase=False.")
    zi = jnp.broadcast_to(jnp.asarray(_zi(sos_np), x.dtype), x.shape[:-1] + (len(sos_np), 2))
    return _sosfiltfilt(jnp.asarray(sos_np, x.dtype), zi, x, edge)


@lazy_jit()
def _pre_emphasis(x, coef):
    import jax.numpy as jnp

    previous = 2 * x[..., :1] - x[..., 1:2]
    return jnp.concatenate([x[..., :1] - coef * previous, x[..., 1:] - coef * x[..., :-1]], axis=-1)


def pre_emphasis(x, coef: float = 0.97):
    """``y[n] = x[n] - coef * x[n-1]``, as ``librosa.effects.preemphasis``.

    The sample before the first is extrapolated as ``2 * x[0] - x[1]``, which avoids the
    click a zero initial state gives. librosa's default feeds that extrapolation into the
    filter state unscaled, so its first sample is ``3 * x[0] - x[1]``; every later sample agrees.
    """
    import jax.numpy as jnp

    if not 0 <= coef < 1:
        raise ParameterError(f"pre-emphasis coef must be in [0, 1), not {coef}.")
    x = jnp.asarray(x)
    return _pre_emphasis(x, jnp.asarray(coef, x.dtype))
