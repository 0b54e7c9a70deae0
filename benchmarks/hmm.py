"""Forward-algorithm throughput: sonitus's jitted, vmapped JAX kernel vs plain NumPy vs hmmlearn.

The same Gaussian HMMs (8 states, 39-dimensional diagonal Gaussians, as in the word
recogniser) on batches of sequences. Run: ``.venv/bin/python benchmarks/hmm.py``.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _cli import make_parser  # noqa: E402
from _timing import median_time  # noqa: E402

N, D = 8, 39


def numpy_forward(x, pi, A, means, covars) -> float:
    """Scaled forward recursion in NumPy (the textbook algorithm, vectorised over states)."""
    log_b = -0.5 * (((x[:, None, :] - means[None]) ** 2 / covars[None]).sum(-1) + np.log(covars).sum(-1)
                    + D * np.log(2 * np.pi))
    shift = log_b.max(axis=1, keepdims=True)
    b = np.exp(log_b - shift)
    alpha = pi * b[0]
    total = np.log(alpha.sum()) + shift[0, 0]
    alpha /= alpha.sum()
    for t in range(1, len(x)):
        alpha = (alpha @ A) * b[t]
        s = alpha.sum()
        total += np.log(s) + shift[t, 0]
        alpha /= s
    return total


def main() -> None:
    make_parser(__doc__).parse_args()
    import jax
    import jax.numpy as jnp
    from sonitus.hmm.emissions import gaussian_log_b
    from sonitus.hmm.inference import log_likelihood

    rng = np.random.default_rng(0)
    pi = rng.dirichlet(np.ones(N))
    A = rng.dirichlet(np.ones(N), N)
    means, covars = rng.normal(size=(N, D)), rng.uniform(0.5, 2, (N, D))

    @jax.jit
    def batch_ll(x, lengths):
        one = lambda seq, n: log_likelihood(gaussian_log_b(seq, means32, covars32), jnp.log(pi32), jnp.log(A32), n)  # noqa: E731
        return jax.vmap(one)(x, lengths)

    means32, covars32, pi32, A32 = (jnp.asarray(a, jnp.float32) for a in (means, covars, pi, A))
    try:
        from hmmlearn import hmm

        ref = hmm.GaussianHMM(N, covariance_type="diag")
        ref.startprob_, ref.transmat_, ref.means_, ref.covars_ = pi, A, means, covars
    except ImportError:
        ref = None
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}, {os.cpu_count()} CPU cores; "
          f"{N} states, {D}-dim diagonal Gaussians")
    for batch, frames in ((16, 100), (64, 100), (256, 100), (16, 1000)):
        x = rng.normal(size=(batch, frames, D))
        lengths = np.full(batch, frames)
        xj = jnp.asarray(x, jnp.float32)
        ours = median_time(lambda: batch_ll(xj, jnp.asarray(lengths)).block_until_ready(), repeat=5)
        plain = median_time(lambda: [numpy_forward(s, pi, A, means, covars) for s in x], repeat=3)
        line = (f"  {batch:4d} sequences x {frames:5d} frames: sonitus {ours * 1e3:8.1f} ms, NumPy {plain * 1e3:8.1f} ms "
                f"({plain / ours:5.1f}x)")
        if ref is not None:
            flat = x.reshape(-1, D)
            theirs = median_time(lambda: ref.score(flat, [frames] * batch), repeat=3)
            line += f", hmmlearn {theirs * 1e3:8.1f} ms ({theirs / ours:5.1f}x)"
        frames_per_s = batch * frames / ours
        print(line + f"; sonitus {frames_per_s / 1e6:.2f} M frames/s")
        np.testing.assert_allclose(np.asarray(batch_ll(xj, jnp.asarray(lengths)))[0],
                                   numpy_forward(x[0], pi, A, means, covars), rtol=1e-3)


if __name__ == "__main__":
    main()
