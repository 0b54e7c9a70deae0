"""Every HMM quantity against brute-force enumeration of all state paths, and against hmmlearn."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sonitus.hmm.emissions import gaussian_log_b, gmm_log_b
from sonitus.hmm.inference import log_likelihood, posteriors, viterbi
from sonitus.hmm.models import GMMHMM, CategoricalHMM, GaussianHMM


@pytest.fixture(autouse=True)
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def brute_force(pi, A, B):
    """B[t, i] = P(o_t | state i). Returns P(O), gamma, xi, best path and its probability."""
    T, N = B.shape
    total, gamma, xi = 0.0, np.zeros((T, N)), np.zeros((T - 1, N, N))
    best, best_path = -1.0, None
    for path in itertools.product(range(N), repeat=T):
        p = pi[path[0]] * B[0, path[0]]
        for t in range(1, T):
            p *= A[path[t - 1], path[t]] * B[t, path[t]]
        total += p
        for t in range(T):
            gamma[t, path[t]] += p
        for t in range(T - 1):
            xi[t, path[t], path[t + 1]] += p
        if p > best:
            best, best_path = p, path
    return total, gamma / total, xi / total, list(best_path), best


def random_model(rng, n):
    return rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n), n)


def check_all(pi, A, log_b, rtol=1e-5):
    total, gamma, xi, path, best = brute_force(pi, A, np.exp(log_b))
    post = posteriors(jnp.asarray(log_b), jnp.log(pi), jnp.log(A))
    np.testing.assert_allclose(float(post.log_likelihood), np.log(total), rtol=rtol)
    np.testing.assert_allclose(np.exp(post.log_gamma), gamma, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(np.exp(post.log_xi), xi, rtol=rtol, atol=1e-12)
    # alpha and beta by their definitions, also by enumeration
    T, N = log_b.shape
    B = np.exp(log_b)
    for t in range(T):
        for i in range(N):
            alpha = beta = 0.0
            for prefix in itertools.product(range(N), repeat=t):
                p = pi[(prefix + (i,))[0]] * B[0, (prefix + (i,))[0]]
                states = prefix + (i,)
                for s in range(1, t + 1):
                    p *= A[states[s - 1], states[s]] * B[s, states[s]]
                alpha += p
            for suffix in itertools.product(range(N), repeat=T - 1 - t):
                p, previous = 1.0, i
                for s, state in enumerate(suffix, start=t + 1):
                    p *= A[previous, state] * B[s, state]
                    previous = state
                beta += p
            np.testing.assert_allclose(np.exp(post.log_alpha[t, i]), alpha, rtol=rtol)
            np.testing.assert_allclose(np.exp(post.log_beta[t, i]), beta, rtol=rtol)
    states, score = viterbi(jnp.asarray(log_b), jnp.log(pi), jnp.log(A))
    assert list(np.asarray(states)) == path
    np.testing.assert_allclose(float(score), np.log(best), rtol=rtol)


def test_the_articles_two_state_example():
    pi = np.array([0.5, 0.5])
    A = np.array([[0.5, 0.5], [0.2, 0.8]])
    B = np.array([[0.8, 0.2], [0.4, 0.6]])
    observations = np.array([0, 1, 0])
    check_all(pi, A, np.log(B[:, observations].T))
    # By hand: alpha_1 = (0.4, 0.2); alpha_2 = (0.4*0.5+0.2*0.2)*0.2, (0.4*0.5+0.2*0.8)*0.6 = (0.048, 0.216)
    # alpha_3 = (0.048*0.5+0.216*0.2)*0.8, (0.048*0.5+0.216*0.8)*0.4 = (0.05376, 0.07872); P(O) = 0.13248
    alpha = np.exp(posteriors(jnp.log(B[:, observations].T), jnp.log(pi), jnp.log(A)).log_alpha)
    np.testing.assert_allclose(alpha, [[0.4, 0.2], [0.048, 0.216], [0.05376, 0.07872]], rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_discrete_models_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, k, t = 2 + seed % 2, 4, 5
    pi, A = random_model(rng, n)
    B = rng.dirichlet(np.ones(k), n)
    observations = rng.integers(0, k, t)
    check_all(pi, A, np.log(B[:, observations].T))


@pytest.mark.parametrize("seed", range(3))
def test_gaussian_and_gmm_models_against_brute_force(seed):
    rng = np.random.default_rng(10 + seed)
    n, t, d = 3, 4, 2
    pi, A = random_model(rng, n)
    x = rng.normal(size=(t, d))
    means, variances = rng.normal(size=(n, d)), rng.uniform(0.5, 2, (n, d))
    check_all(pi, A, np.asarray(gaussian_log_b(jnp.asarray(x), jnp.asarray(means), jnp.asarray(variances))))
    weights = rng.dirichlet(np.ones(2), n)
    gm, gv = rng.normal(size=(n, 2, d)), rng.uniform(0.5, 2, (n, 2, d))
    check_all(pi, A, np.asarray(gmm_log_b(jnp.asarray(x), *map(jnp.asarray, (weights, gm, gv)))))


def test_padding_does_not_change_a_sequence():
    rng = np.random.default_rng(3)
    pi, A = random_model(rng, 3)
    log_b = np.log(rng.uniform(0.1, 1, (6, 3)))
    padded = np.concatenate([log_b, np.log(rng.uniform(0.1, 1, (4, 3)))])
    full = posteriors(jnp.asarray(log_b), jnp.log(pi), jnp.log(A))
    part = posteriors(jnp.asarray(padded), jnp.log(pi), jnp.log(A), length=6)
    np.testing.assert_allclose(part.log_likelihood, full.log_likelihood, rtol=1e-12)
    np.testing.assert_allclose(part.log_gamma[:6], full.log_gamma, rtol=1e-12)
    assert np.all(np.isneginf(np.asarray(part.log_gamma[6:])))
    assert list(np.asarray(viterbi(jnp.asarray(padded), jnp.log(pi), jnp.log(A), length=6)[0])[:6]) == \
        list(np.asarray(viterbi(jnp.asarray(log_b), jnp.log(pi), jnp.log(A))[0]))


def test_ten_thousand_frames_do_not_underflow():
    rng = np.random.default_rng(0)
    model = CategoricalHMM(2, n_iter=0)
    model.startprob_, model.transmat_ = np.array([0.5, 0.5]), np.array([[0.9, 0.1], [0.2, 0.8]])
    model.emissionprob_ = np.array([[0.7, 0.3], [0.1, 0.9]])
    X = rng.integers(0, 2, (12000, 1))
    score = model.score(X)
    assert np.isfinite(score) and score < -5000
    log_b = np.log(model.emissionprob_[:, X[:, 0]].T)
    ll = float(log_likelihood(jnp.asarray(log_b), jnp.log(model.startprob_), jnp.log(model.transmat_)))
    # independent check: the scaled forward recursion in NumPy
    alpha = model.startprob_ * np.exp(log_b[0])
    total = np.log(alpha.sum())
    alpha /= alpha.sum()
    for t in range(1, len(X)):
        alpha = (alpha @ model.transmat_) * np.exp(log_b[t])
        total += np.log(alpha.sum())
        alpha /= alpha.sum()
    np.testing.assert_allclose(ll, total, rtol=1e-9)
    assert np.all(np.isfinite(model.predict_proba(X)))


@pytest.mark.parametrize("make", [lambda: CategoricalHMM(3, n_iter=25, random_state=1, tol=-1),
                                  lambda: GaussianHMM(3, n_iter=25, random_state=1, tol=-1),
                                  lambda: GMMHMM(2, n_mix=2, n_iter=25, random_state=1, tol=-1)])
def test_baum_welch_never_decreases_the_likelihood(make):
    rng = np.random.default_rng(5)
    model = make()
    if isinstance(model, CategoricalHMM):
        X = rng.integers(0, 4, (300, 1))
    else:
        X = np.concatenate([rng.normal(m, 1, (60, 2)) for m in (0, 4, -4, 2, 0)])
    model.fit(X, [100, 100, 100])
    history = np.array(model.history_)
    assert len(history) == 25
    assert np.all(np.diff(history) >= -1e-6 * np.abs(history[1:]))
    assert history[-1] > history[0]


def test_sampling_then_fitting_recovers_a_model():
    truth = GaussianHMM(2, n_iter=0)
    truth.startprob_, truth.transmat_ = np.array([0.6, 0.4]), np.array([[0.95, 0.05], [0.1, 0.9]])
    truth.means_, truth.covars_ = np.array([[-3.0], [3.0]]), np.array([[1.0], [1.0]])
    X, states = truth.sample(3000, random_state=0)
    model = GaussianHMM(2, n_iter=50, random_state=0).fit(X)
    order = np.argsort(model.means_[:, 0])
    np.testing.assert_allclose(model.means_[order, 0], [-3, 3], atol=0.15)
    np.testing.assert_allclose(model.transmat_[np.ix_(order, order)], truth.transmat_, atol=0.03)
    assert np.mean(model.predict(X) == np.where(order[1] == 1, states, 1 - states)) > 0.97


def test_matches_hmmlearn_where_it_installs():
    hmm = pytest.importorskip("hmmlearn.hmm")
    rng = np.random.default_rng(2)
    X = np.concatenate([rng.normal(m, 1, (40, 3)) for m in (0, 3, -3)])
    ours = GMMHMM(2, n_mix=2, n_iter=5, random_state=0).fit(X, [60, 60])
    theirs = hmm.GMMHMM(2, n_mix=2, covariance_type="diag")
    for attribute in ("startprob_", "transmat_", "weights_", "means_", "covars_"):
        setattr(theirs, attribute, getattr(ours, attribute))
    np.testing.assert_allclose(ours.score(X, [60, 60]), theirs.score(X, [60, 60]), rtol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(X, [60, 60]), theirs.predict_proba(X, [60, 60]), atol=1e-9)
    assert ours.decode(X, [60, 60])[0] == pytest.approx(theirs.decode(X, [60, 60])[0], rel=1e-9)
    assert (ours.decode(X, [60, 60])[1] == theirs.decode(X, [60, 60])[1]).all()
