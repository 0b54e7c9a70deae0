"""`lazy_jit`: ``jax.jit`` applied on first call, so importing a kernel module stays cheap;
`bucket_length`: the padded lengths batches are compiled at, so that few shapes compile."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from . import jaxcache


def lazy_jit(**jit_kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Like ``functools.partial(jax.jit, **jit_kwargs)``, but JAX is imported on first call.

    The first call also turns on the persistent compilation cache (:mod:`sonitus.jaxcache`).
    """

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        compiled: Callable[..., Any] | None = None

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal compiled
            if compiled is None:
                import jax

                jaxcache.enable()
                compiled = jax.jit(function, **jit_kwargs)
            return compiled(*args, **kwargs)

        wrapper.raw = function  # the un-jitted function, for fusing into bigger jitted code
        return wrapper

    return decorate


def bucket_length(n: int, *, sizes: Sequence[int], step: int) -> int:
    """The length to pad ``n`` samples (or frames) to: the first of the ascending ``sizes``
    that holds it, else the next multiple of ``step``. Each distinct result is one
    compilation of a jitted kernel, so a few sizes bound the recompiles of any workload."""
    for size in sizes:
        if n <= size:
            return int(size)
    return -(-n // step) * step
