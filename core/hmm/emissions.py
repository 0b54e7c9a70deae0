"""Emission log-likelihoods ``log_b`` ``[T, N]`` for discrete, Gaussian and diagonal-GMM states."""

from __future__ import annotations

import math

__all__ = ["categorical_log_b", "gaussian_log_b", "gmm_log_b", "gmm_component_log_b"]


def categorical_log_b(symbols, log_emission):
    """``symbols`` int ``[T]``, ``log_emission`` ``[N, K]`` → ``[T, N]``."""
    return log_emission[:, symbols].T


def gaussian_log_b(x, means, variances):
    """Diagonal Gaussians: ``x`` ``[T, D]``, ``means``/``variances`` ``[N, D]`` → ``[T, N]``."""
    import jax.numpy as jnp

    diff = x[:, None, :] - means[None]
    return -0.5 * (jnp.sum(diff ** 2 / variances[None], axis=-1)
                   + jnp.sum(jnp.log(variances), axis=-1)[None] + x.shape[-1] * math.log(2 * math.pi))


def gmm_component_log_b(x, weights, means, variances):
    """Per-component ``log w_m + log N(x; mu_m, var_m)``: ``[T, N, M]``; shapes ``[N, M]``, ``[N, M, D]``."""
    import jax.numpy as jnp

    diff = x[:, None, None, :] - means[None]
    log_n = -0.5 * (jnp.sum(diff ** 2 / variances[None], axis=-1)
                    + jnp.sum(jnp.log(variances), axis=-1)[None] + x.shape[-1] * math.log(2 * math.pi))
    return jnp.log(weights)[None] + log_n


def gmm_log_b(x, weights, means, variances):
    """Diagonal-covariance Gaussian mixtures per state → ``[T, N]``."""
    from jax.scipy.special import logsumexp

    return logsumexp(gmm_component_log_b(x, weights, means, variances), axis=-1)
