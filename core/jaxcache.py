"""Turn on JAX's persistent compilation cache so that a fresh process starts fast.

Compiled kernels are kept in ``$XDG_CACHE_HOME/sonitus/jax-lru`` (``~/.cache/sonitus/jax-lru``),
or in ``$SONITUS_CACHE_DIR/jax-lru`` when that is set, up to :data:`MAX_BYTES` (JAX evicts the
least recently used kernels beyond it; ``SONITUS_JAX_CACHE_MB`` sets another size). Kernels
call :func:`enable` lazily; it never runs at ``import sonitus``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "enable", "MAX_BYTES"]

#: the compiled-kernel cache's size limit (bytes)
MAX_BYTES = 256 * 2**20

_enabled = False


def cache_dir() -> Path:
    """Where sonitus keeps its caches (compiled kernels, generated data)."""
    base = os.environ.get("SONITUS_CACHE_DIR")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sonitus"


def enable() -> None:
    """Enable the persistent compilation cache once per process (idempotent, never fails)."""
    global _enabled
    if _enabled:
        return
    _enabled = True
    try:
        import jax

        path = cache_dir() / "jax-lru"  # not "jax": earlier unbounded caches there lack access times
        path.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", str(path))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
        import filelock  # noqa: F401  (JAX's size-bounded cache locks with it)

        megabytes = os.environ.get("SONITUS_JAX_CACHE_MB")
        jax.config.update("jax_compilation_cache_max_size",
                          int(float(megabytes) * 2**20) if megabytes else MAX_BYTES)
    except Exception:  # a read-only home or an old JAX: run without the cache
        pass
