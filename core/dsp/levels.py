"""Level normalisation: scale a signal so its peak or RMS sits at a target level (dBFS)."""

from __future__ import annotations

from sonitus.errors import ParameterError

__all__ = ["normalize", "check_peak_db"]


def check_peak_db(value: float | None, stage: str) -> float | None:
    """A renderer's ``peak_db`` option checked: a peak level in dBFS from -60 to 0, or None
    (keep the level the renderer makes)."""
    if value is None:
        return None
    if not -60 <= float(value) <= 0:
        raise ParameterError(f"{stage}: peak_db is a peak level in dBFS between -60 and 0 (or None), not {value}.")
    return float(value)


def normalize(x, *, mode: str = "peak", target_db: float = -1.0):
    """Scale so the peak (``mode="peak"``) or the RMS (``mode="rms"``) sits at ``target_db`` dBFS.

    Silence is returned unchanged. RMS normalisation may push peaks over 0 dBFS; combine
    with a peak normalisation afterwards if that matters.
    """
    import jax.numpy as jnp

    x = jnp.asarray(x)
    if mode == "peak":
        level = jnp.max(jnp.abs(x), axis=-1, keepdims=True)
    elif mode == "rms":
        level = jnp.sqrt(jnp.mean(x ** 2, axis=-1, keepdims=True))
    else:
        raise ParameterError(f"normalize mode must be 'peak' or 'rms', not {mode!r}.")
    target = 10 ** (target_db / 20)
    return x * jnp.where(level > 0, target / jnp.where(level > 0, level, 1.0), 1.0)
