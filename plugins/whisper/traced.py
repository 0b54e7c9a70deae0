"""``jax.jit`` whose traced programs are kept on disk, so that a new process skips tracing.

JAX's persistent compilation cache (:mod:`sonitus.jaxcache`) spares a second process XLA's
compilation, not Python's tracing and lowering of the Flax model (tiny.en: 1.34 s and 0.43 s of
a 3.3 s first transcription). :class:`PersistentJit` serialises each traced program with
``jax.export`` into ``<cache>/whisper-traced/`` the first time a shape is seen, and a later
process deserialises it instead of tracing again. A file's name holds a digest of everything
the program depends on: the caller's ``context`` (model sizes, logit rules), the shapes and
static options of the call, this plugin's source, and the versions of JAX and Flax; a file that
cannot be read is traced afresh and replaced.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["PersistentJit", "MAX_FILES"]

#: traced programs kept (about 100 KB each; one model's transcriptions need about a dozen)
MAX_FILES = 200

_SOURCES = ("model.py", "runtime.py", "traced.py")


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """The plugin's traced source and the libraries that trace it."""
    import flax
    import jax
    import jaxlib

    digest = hashlib.sha256(f"{jax.__version__} {jaxlib.__version__} {flax.__version__}".encode())
    digest.update(jax.default_backend().encode())
    for name in _SOURCES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


_REGISTERED: set[type] = set()


def _register(tuples: Sequence[type]) -> None:
    """Let ``jax.export`` write the named tuples that arguments and results are made of."""
    from jax import export

    for cls in tuples:
        if cls not in _REGISTERED:
            export.register_namedtuple_serialization(cls, serialized_name=f"sonitus.whisper.{cls.__name__}")
            _REGISTERED.add(cls)


def _folder() -> Path:
    from sonitus.jaxcache import cache_dir

    return cache_dir() / "whisper-traced"


def _trim(folder: Path) -> None:
    """Keep the :data:`MAX_FILES` most recently used programs (older models and versions go)."""
    files = sorted(folder.glob("*.jaxexport"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in files[MAX_FILES:]:
        stale.unlink(missing_ok=True)


class PersistentJit:
    """``jax.jit(function, static_argnames=..., donate_argnums=...)`` for a function whose first
    argument (positional) is a parameter tree fixed for this object's life (its structure is read
    when a program is made, not at each call, where only the other arguments' shapes are). ``context``: a digest of what the function
    closes over and its shapes do not show (model sizes, token ids). ``tuples``: the NamedTuple
    classes its arguments and results hold."""

    def __init__(self, function: Callable[..., Any], *, name: str, context: str,
                 static_argnames: Sequence[str] = (), donate_argnums: Sequence[int] = (),
                 tuples: Sequence[type] = ()):
        self.function, self.name, self.context, self.tuples = function, name, context, tuple(tuples)
        self.static_argnames, self.donate_argnums = tuple(static_argnames), tuple(donate_argnums)
        self._programs: dict[tuple, Callable[..., Any]] = {}

    def __call__(self, params: Any, /, *args: Any, **kwargs: Any) -> Any:
        import jax

        static = tuple(sorted((k, kwargs.pop(k)) for k in self.static_argnames if k in kwargs))
        leaves, tree = jax.tree_util.tree_flatten((args, kwargs))
        signature = (static, tree, tuple((getattr(x, "shape", ()), str(getattr(x, "dtype", type(x))))
                                         for x in leaves))
        program = self._programs.get(signature)
        if program is None:
            program = self._programs[signature] = self._program(signature, params, args, kwargs)
        return program(params, *args, **kwargs)

    def _program(self, signature: tuple, params: Any, args: tuple, kwargs: dict):
        import jax
        from jax import export

        _register(self.tuples)
        leaves, tree = jax.tree_util.tree_flatten(params)
        weights = (tree, [(x.shape, str(x.dtype)) for x in leaves])
        x64 = jax.config.jax_enable_x64  # a program traced in 64-bit mode has other types inside
        key = hashlib.sha256(f"{self.name} {self.context} {_code_digest()} {signature} {weights} {x64}".encode())
        key = key.hexdigest()[:32]
        path = _folder() / f"{self.name}-{key}.jaxexport"
        try:
            exported = export.deserialize(bytearray(path.read_bytes()))
            os.utime(path)  # recently used: kept when the folder is trimmed
        except Exception:  # absent, torn or from another JAX: trace it afresh
            exported = None
        if exported is None:
            traced = jax.jit(functools.partial(self.function, **dict(signature[0])))  # the static options
            exported = export.export(traced)(params, *args, **kwargs)
            try:
                from sonitus.atomic import atomic_write_bytes

                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(path, bytes(exported.serialize()))
                _trim(path.parent)
            except Exception:  # a read-only or full cache only costs the next process the tracing
                pass
        return jax.jit(exported.call, donate_argnums=self.donate_argnums)
