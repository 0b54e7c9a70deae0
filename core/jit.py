"""`lazy_jit`: ``jax.jit`` applied on first call, so importing a kernel module stays cheap."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


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
                from sonitus import jaxcache

                jaxcache.enable()
                compiled = jax.jit(function, **jit_kwargs)
            return compiled(*args, **kwargs)

        wrapper.raw = function  # the un-jitted function, for fusing into bigger jitted code
        return wrapper

    return decorate
