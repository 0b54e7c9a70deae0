"""What adversarial (WGAN-GP) training shares across the models that use it: the gradient
penalty of Gulrajani et al. (2017), written once for the chorale GAN and the notes GAN.

>>> penalty = gradient_penalty(lambda x: critic.apply(params, x), real, fake, key)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["gradient_penalty"]


def gradient_penalty(score: Callable[[Any], Any], real, fake, key):
    """``mean((|grad score(x)| - 1)**2)`` at points ``x`` drawn uniformly between each real item
    and its fake (axis 0: items; each item's gradient norm over all its other axes).
    ``score`` must score each item alone (no batch statistics), so that the gradient of the
    sum of scores is every item's own gradient."""
    import jax
    import jax.numpy as jnp

    eps = jax.random.uniform(key, (real.shape[0],) + (1,) * (real.ndim - 1))
    mixed = eps * real + (1 - eps) * fake
    grads = jax.grad(lambda x: jnp.sum(score(x)))(mixed)
    norms = jnp.sqrt(jnp.sum(grads ** 2, axis=tuple(range(1, grads.ndim))) + 1e-12)
    return jnp.mean((norms - 1) ** 2)
