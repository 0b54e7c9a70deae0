"""Baum-Welch (EM) statistics and updates for many sequences at once, plus k-means initialisation.

Sequences are padded into a batch ``[S, T, ...]`` with their ``lengths``; the E-step is
one jitted, vmapped forward-backward pass; the M-step re-estimates start, transition and
emission parameters from the expected counts. Structural zeros (e.g. a left-to-right
topology) stay zero.
"""

from __future__ import annotations

import numpy as np
from sonitus.jit import lazy_jit

from .emissions import categorical_log_b, gaussian_log_b, gmm_component_log_b, gmm_log_b
from .inference import posteriors

__all__ = ["pad", "kmeans", "categorical_stats", "gaussian_stats", "gmm_stats", "normalise_rows"]


def pad(sequences: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences ``[T_i, ...]`` into ``[S, T_max, ...]`` (zero padding) and their lengths."""
    lengths = np.array([len(s) for s in sequences], np.int32)
    out = np.zeros((len(sequences), int(lengths.max())) + sequences[0].shape[1:], sequences[0].dtype)
    for i, s in enumerate(sequences):
        out[i, :len(s)] = s
    return out, lengths


def normalise_rows(counts: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Rows of ``counts`` divided by their sums; rows with no mass keep ``fallback``'s row."""
    sums = counts.sum(axis=-1, keepdims=True)
    return np.where(sums > 0, counts / np.where(sums > 0, sums, 1), fallback)


def _shared(log_b, log_pi, log_a, lengths):
    import jax
    import jax.numpy as jnp

    post = jax.vmap(posteriors, in_axes=(0, None, None, 0))(log_b, log_pi, log_a, lengths)
    gamma = jnp.exp(post.log_gamma)
    xi = jnp.exp(post.log_xi)
    return post.log_likelihood.sum(), gamma[:, 0].sum(axis=0), xi.sum(axis=(0, 1)), gamma


@lazy_jit()
def categorical_stats(symbols, lengths, log_pi, log_a, log_emission):
    """Expected counts for a discrete HMM: (log-likelihood, start, transitions, emissions ``[N, K]``)."""
    import jax
    import jax.numpy as jnp

    log_b = jax.vmap(categorical_log_b, in_axes=(0, None))(symbols, log_emission)
    ll, start, trans, gamma = _shared(log_b, log_pi, log_a, lengths)
    onehot = jax.nn.one_hot(symbols, log_emission.shape[1], dtype=gamma.dtype)
    return ll, start, trans, jnp.einsum("stn,stk->nk", gamma, onehot)


@lazy_jit()
def gaussian_stats(x, lengths, log_pi, log_a, means, variances):
    """Expected counts for diagonal Gaussian states: (ll, start, trans, weight ``[N]``, sum x, sum x²)."""
    import jax
    import jax.numpy as jnp

    log_b = jax.vmap(gaussian_log_b, in_axes=(0, None, None))(x, means, variances)
    ll, start, trans, gamma = _shared(log_b, log_pi, log_a, lengths)
    return (ll, start, trans, gamma.sum(axis=(0, 1)), jnp.einsum("stn,std->nd", gamma, x),
            jnp.einsum("stn,std->nd", gamma, x ** 2))


@lazy_jit()
def gmm_stats(x, lengths, log_pi, log_a, weights, means, variances):
    """Expected counts for diagonal-GMM states: (ll, start, trans, occupancy ``[N, M]``, sum x, sum x² ``[N, M, D]``)."""
    import jax
    import jax.numpy as jnp

    log_b = jax.vmap(gmm_log_b, in_axes=(0, None, None, None))(x, weights, means, variances)
    ll, start, trans, gamma = _shared(log_b, log_pi, log_a, lengths)
    comp = jax.vmap(gmm_component_log_b, in_axes=(0, None, None, None))(x, weights, means, variances)
    resp = gamma[..., None] * jax.nn.softmax(comp, axis=-1)  # [S, T, N, M]
    return (ll, start, trans, resp.sum(axis=(0, 1)), jnp.einsum("stnm,std->nmd", resp, x),
            jnp.einsum("stnm,std->nmd", resp, x ** 2))


def kmeans(x: np.ndarray, k: int, *, iterations: int = 20, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Plain k-means (k-means++ seeding): ``(centres [k, D], labels [n])``."""
    rng = np.random.default_rng(seed)
    n = len(x)
    if n < k:
        raise ValueError(f"k-means needs at least {k} points, got {n}.")
    centres = [x[rng.integers(n)]]
    for _ in range(1, k):
        d = np.min(((x[:, None] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(x[rng.choice(n, p=d / d.sum()) if d.sum() > 0 else rng.integers(n)])
    centres = np.array(centres, dtype=np.float64)
    for _ in range(iterations):
        labels = np.argmin(((x[:, None] - centres[None]) ** 2).sum(-1), axis=1)
        for j in range(k):
            members = x[labels == j]
            if len(members):
                centres[j] = members.mean(axis=0)
    labels = np.argmin(((x[:, None] - centres[None]) ** 2).sum(-1), axis=1)
    return centres, labels
