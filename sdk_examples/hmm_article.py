"""The article's two-state HMM, computed correctly.

Model (states 1 and 2; symbols 0 and 1):

    start  pi = [0.5, 0.5]                  (the article does not give one; uniform is stated here)
    A = [[0.5, 0.5],                        A[i, j] = P(state j at t+1 | state i at t)
         [0.2, 0.8]]
    B = [[0.8, 0.2],                        B[i, k] = P(symbol k | state i)
         [0.4, 0.6]]

For the observations O = (0, 1, 0) the forward recursion gives

    alpha_1 = (0.5*0.8, 0.5*0.4)                                  = (0.4, 0.2)
    alpha_2 = ((0.4*0.5 + 0.2*0.2)*0.2, (0.4*0.5 + 0.2*0.8)*0.6)  = (0.048, 0.216)
    alpha_3 = ((0.048*0.5 + 0.216*0.2)*0.8, (0.048*0.5 + 0.216*0.8)*0.4) = (0.05376, 0.07872)
    P(O)    = 0.05376 + 0.07872                                   = 0.13248

and the backward recursion (beta_3 = (1, 1)) gives the same P(O) = sum_i pi_i B_i(o_1) beta_1(i).
This script prints both tables from sonitus's JAX kernels and checks them against a brute-force
sum over all 2**3 state paths. Run: python sdk_examples/hmm_article.py
"""

from __future__ import annotations

import itertools

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from sonitus.hmm.inference import posteriors, viterbi  # noqa: E402

PI = np.array([0.5, 0.5])
A = np.array([[0.5, 0.5], [0.2, 0.8]])
B = np.array([[0.8, 0.2], [0.4, 0.6]])
O = np.array([0, 1, 0])


def brute_force() -> float:
    total = 0.0
    for path in itertools.product(range(2), repeat=len(O)):
        p = PI[path[0]] * B[path[0], O[0]]
        for t in range(1, len(O)):
            p *= A[path[t - 1], path[t]] * B[path[t], O[t]]
        total += p
    return total


def main() -> None:
    post = posteriors(jnp.log(B[:, O].T), jnp.log(PI), jnp.log(A))
    alpha, beta = np.exp(np.asarray(post.log_alpha)), np.exp(np.asarray(post.log_beta))
    print("observations:", O.tolist())
    print("t   alpha(1)   alpha(2)   beta(1)    beta(2)")
    for t in range(len(O)):
        print(f"{t + 1}   {alpha[t, 0]:.6f}   {alpha[t, 1]:.6f}   {beta[t, 0]:.6f}   {beta[t, 1]:.6f}")
    p_forward = alpha[-1].sum()
    p_backward = float(np.sum(PI * B[:, O[0]] * beta[0]))
    print(f"P(O) forward  = {p_forward:.6f}")
    print(f"P(O) backward = {p_backward:.6f}")
    print(f"P(O) by brute force over all state paths = {brute_force():.6f}")
    path, score = viterbi(jnp.log(B[:, O].T), jnp.log(PI), jnp.log(A))
    print(f"most likely states: {[int(s) + 1 for s in path]} with probability {float(np.exp(score)):.6f}")
    assert abs(p_forward - 0.13248) < 1e-12 and abs(p_backward - 0.13248) < 1e-12


if __name__ == "__main__":
    main()
