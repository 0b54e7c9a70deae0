"""HMM inference in log space with ``jax.lax.scan``: forward, backward, posteriors, Viterbi.

Every function takes one sequence's emission log-likelihoods ``log_b`` ``[T, N]`` (see
:mod:`sonitus.hmm.emissions`), the log start distribution ``log_pi`` ``[N]`` and
the log transition matrix ``log_a`` ``[N, N]`` (``a[i, j] = P(j | i)``), plus an optional
``length`` (valid frames; later frames are padding). ``jax.vmap`` batches them over
sequences; working in log space keeps 10,000+ frame sequences free of underflow.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Posteriors", "forward", "backward", "log_likelihood", "posteriors", "viterbi"]


class Posteriors(NamedTuple):
    """What the forward-backward pass gives for one sequence (log space, padding masked to -inf)."""

    log_likelihood: object  # scalar: log P(O)
    log_alpha: object  # [T, N]
    log_beta: object  # [T, N]
    log_gamma: object  # [T, N]   log P(state_t = i | O)
    log_xi: object  # [T-1, N, N] log P(state_t = i, state_t+1 = j | O)


def _mask(log_b, length):
    import jax.numpy as jnp

    steps = log_b.shape[0]
    length = steps if length is None else length
    return jnp.arange(steps) < length, length


def _lse(x, axis):
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    out = logsumexp(x, axis=axis)
    return jnp.where(jnp.isnan(out), -jnp.inf, out)


def forward(log_b, log_pi, log_a, length=None):
    """``log_alpha[t, i] = log P(o_1..o_t, state_t = i)`` ``[T, N]``; padded frames repeat the last valid row."""
    import jax

    valid, _ = _mask(log_b, length)
    first = log_pi + log_b[0]

    def step(alpha, inputs):
        b, ok = inputs
        new = _lse(alpha[:, None] + log_a, axis=0) + b
        new = jax.numpy.where(ok, new, alpha)
        return new, new

    _, rest = jax.lax.scan(step, first, (log_b[1:], valid[1:]))
    return jax.numpy.concatenate([first[None], rest], axis=0)


def backward(log_b, log_pi, log_a, length=None):
    """``log_beta[t, i] = log P(o_t+1..o_T | state_t = i)`` ``[T, N]`` (0 from the last valid frame on)."""
    import jax
    import jax.numpy as jnp

    valid, _ = _mask(log_b, length)
    last = jnp.zeros(log_b.shape[1], log_b.dtype)

    def step(beta, inputs):
        b_next, next_ok = inputs
        new = _lse(log_a + (b_next + beta)[None, :], axis=1)
        new = jnp.where(next_ok, new, jnp.zeros_like(new))
        return new, new

    _, rest = jax.lax.scan(step, last, (log_b[1:], valid[1:]), reverse=True)
    return jnp.concatenate([rest, last[None]], axis=0)


def log_likelihood(log_b, log_pi, log_a, length=None):
    """``log P(O)`` of one sequence."""
    return _lse(forward(log_b, log_pi, log_a, length)[-1], axis=0)


def posteriors(log_b, log_pi, log_a, length=None) -> Posteriors:
    """The full forward-backward pass: likelihood, alpha, beta, gamma and xi."""
    import jax.numpy as jnp

    valid, _ = _mask(log_b, length)
    alpha = forward(log_b, log_pi, log_a, length)
    beta = backward(log_b, log_pi, log_a, length)
    ll = _lse(alpha[-1], axis=0)
    gamma = jnp.where(valid[:, None], alpha + beta - ll, -jnp.inf)
    xi = alpha[:-1, :, None] + log_a[None] + (log_b[1:] + beta[1:])[:, None, :] - ll
    xi = jnp.where(valid[1:, None, None], xi, -jnp.inf)
    return Posteriors(ll, alpha, beta, gamma, xi)


def viterbi(log_b, log_pi, log_a, length=None):
    """The most likely state path ``[T]`` (padding repeats the last state) and its log-probability."""
    import jax
    import jax.numpy as jnp

    valid, _ = _mask(log_b, length)
    n = log_b.shape[1]
    first = log_pi + log_b[0]

    def step(delta, inputs):
        b, ok = inputs
        scores = delta[:, None] + log_a
        best = jnp.argmax(scores, axis=0)
        new = jnp.max(scores, axis=0) + b
        return jnp.where(ok, new, delta), jnp.where(ok, best, jnp.arange(n))

    delta, pointers = jax.lax.scan(step, first, (log_b[1:], valid[1:]))
    last = jnp.argmax(delta)

    def back(state, pointer_row):
        previous = pointer_row[state]
        return previous, state

    first_state, path = jax.lax.scan(back, last, pointers, reverse=True)
    return jnp.concatenate([first_state[None], path]), jnp.max(delta)
