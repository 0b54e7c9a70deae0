"""hmmlearn-compatible HMMs on the JAX kernels: ``CategoricalHMM``, ``GaussianHMM``, ``GMMHMM``.

The attributes and methods follow hmmlearn (``startprob_``, ``transmat_``,
``emissionprob_`` / ``means_``, ``covars_``, ``weights_``; ``fit(X, lengths)``,
``score``, ``decode``, ``predict``, ``predict_proba``, ``sample``), so hmmlearn users feel
at home. ``X`` concatenates all sequences (``[n_samples, n_features]``, one integer column
for ``CategoricalHMM``) and ``lengths`` says where each ends. Only diagonal covariances
are supported.

>>> import numpy as np
>>> model = CategoricalHMM(2, n_iter=0)
>>> model.startprob_ = np.array([0.5, 0.5])
>>> model.transmat_ = np.array([[0.5, 0.5], [0.2, 0.8]])
>>> model.emissionprob_ = np.array([[0.8, 0.2], [0.4, 0.6]])
>>> round(float(np.exp(model.score(np.array([[0], [1], [0]])))), 6)
0.13248
"""

from __future__ import annotations

import numpy as np
from sonitus.errors import ParameterError

from . import training
from .emissions import categorical_log_b, gaussian_log_b, gmm_log_b
from .inference import log_likelihood, posteriors, viterbi

__all__ = ["CategoricalHMM", "GaussianHMM", "GMMHMM"]


def _log(p: np.ndarray):
    import jax.numpy as jnp

    with np.errstate(divide="ignore"):
        return jnp.asarray(np.log(p))


class _BaseHMM:
    """Shared machinery; subclasses define emissions."""

    _emission_letters = "e"

    def __init__(self, n_components: int = 1, *, n_iter: int = 10, tol: float = 1e-2,
                 random_state: int | None = None, params: str | None = None, init_params: str | None = None,
                 min_covar: float = 1e-3) -> None:
        if n_components < 1:
            raise ParameterError(f"n_components must be at least 1, not {n_components}.")
        self.n_components = n_components
        self.n_iter = n_iter
        self.tol = tol
        self.random_state = random_state
        self.params = "st" + self._emission_letters if params is None else params
        self.init_params = "st" + self._emission_letters if init_params is None else init_params
        self.min_covar = min_covar
        self.history_: list[float] = []

    # -- data ------------------------------------------------------------------------
    def _sequences(self, X, lengths) -> list[np.ndarray]:
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[:, None]
        lengths = [len(X)] if lengths is None else list(lengths)
        if sum(lengths) != len(X) or min(lengths) < 1:
            raise ParameterError(f"lengths must be positive and sum to len(X) = {len(X)}; got {lengths}.")
        return np.split(X, np.cumsum(lengths)[:-1])

    def _batch(self, X, lengths):
        import jax.numpy as jnp

        batch, lens = training.pad([self._prepare(s) for s in self._sequences(X, lengths)])
        return jnp.asarray(batch), jnp.asarray(lens)

    def _prepare(self, seq: np.ndarray) -> np.ndarray:
        return seq.astype(np.float64)

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng(self.random_state)

    # -- parameters --------------------------------------------------------------------
    def _init(self, X: np.ndarray) -> None:
        n = self.n_components
        if "s" in self.init_params or not hasattr(self, "startprob_"):
            self.startprob_ = np.full(n, 1.0 / n)
        if "t" in self.init_params or not hasattr(self, "transmat_"):
            self.transmat_ = np.full((n, n), 1.0 / n)
        self._init_emissions(X)

    def _log_params(self):
        return _log(self.startprob_), _log(self.transmat_)

    def _log_b_batch(self, batch):
        raise NotImplementedError

    # -- hmmlearn API ------------------------------------------------------------------
    def fit(self, X, lengths=None):
        """Estimate the parameters by Baum-Welch; ``history_`` keeps each iteration's log-likelihood."""
        self._init(np.asarray(X))
        batch, lens = self._batch(X, lengths)
        self.history_ = []
        for _ in range(self.n_iter):
            stats = self._stats(batch, lens)
            ll = float(stats[0])
            self.history_.append(ll)
            self._m_step([np.asarray(s, np.float64) for s in stats])
            if len(self.history_) > 1 and ll - self.history_[-2] < self.tol:
                break
        return self

    def _m_step(self, stats) -> None:
        _, start, trans = stats[:3]
        if "s" in self.params:
            self.startprob_ = start / start.sum()
        if "t" in self.params:
            self.transmat_ = training.normalise_rows(trans, self.transmat_)
        self._m_step_emissions(stats[3:])

    def _per_sequence(self, function, X, lengths):
        import jax

        batch, lens = self._batch(X, lengths)
        log_pi, log_a = self._log_params()
        log_b = self._log_b_batch(batch)
        return jax.vmap(function, in_axes=(0, None, None, 0))(log_b, log_pi, log_a, lens), lens

    def score(self, X, lengths=None) -> float:
        """Total log-likelihood of the sequences."""
        values, _ = self._per_sequence(log_likelihood, X, lengths)
        return float(np.sum(np.asarray(values)))

    def decode(self, X, lengths=None) -> tuple[float, np.ndarray]:
        """Viterbi: (log-probability of the best paths, their states concatenated)."""
        (paths, scores), lens = self._per_sequence(viterbi, X, lengths)
        paths, lens = np.asarray(paths), np.asarray(lens)
        return float(np.sum(np.asarray(scores))), np.concatenate([p[:n] for p, n in zip(paths, lens)])

    def predict(self, X, lengths=None) -> np.ndarray:
        """The Viterbi states."""
        return self.decode(X, lengths)[1]

    def predict_proba(self, X, lengths=None) -> np.ndarray:
        """State posteriors ``[n_samples, n_components]``."""
        post, lens = self._per_sequence(posteriors, X, lengths)
        gamma, lens = np.exp(np.asarray(post.log_gamma)), np.asarray(lens)
        return np.concatenate([g[:n] for g, n in zip(gamma, lens)])

    def sample(self, n_samples: int = 1, random_state: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``(X [n_samples, ...], states [n_samples])`` from the model."""
        rng = np.random.default_rng(self.random_state if random_state is None else random_state)
        states = np.empty(n_samples, np.int64)
        states[0] = rng.choice(self.n_components, p=self.startprob_)
        for t in range(1, n_samples):
            states[t] = rng.choice(self.n_components, p=self.transmat_[states[t - 1]])
        return np.stack([self._emit(s, rng) for s in states]), states


class CategoricalHMM(_BaseHMM):
    """Discrete symbols 0..K-1; ``emissionprob_[i, k] = P(k | state i)``."""

    def __init__(self, n_components: int = 1, *, n_features: int | None = None, **kwargs) -> None:
        super().__init__(n_components, **kwargs)
        self.n_features = n_features

    def _prepare(self, seq):
        return seq[:, 0].astype(np.int32)

    def _init_emissions(self, X):
        k = self.n_features or int(np.max(X)) + 1
        self.n_features = k
        if "e" in self.init_params or not hasattr(self, "emissionprob_"):
            self.emissionprob_ = self._rng().dirichlet(np.ones(k), self.n_components)

    def _log_b_batch(self, batch):
        import jax

        return jax.vmap(categorical_log_b, in_axes=(0, None))(batch, _log(self.emissionprob_))

    def _stats(self, batch, lens):
        return training.categorical_stats(batch, lens, *self._log_params(), _log(self.emissionprob_))

    def _m_step_emissions(self, stats):
        if "e" in self.params:
            self.emissionprob_ = training.normalise_rows(stats[0], self.emissionprob_)

    def _emit(self, state, rng):
        return np.array([rng.choice(self.emissionprob_.shape[1], p=self.emissionprob_[state])])

    def score(self, X, lengths=None) -> float:
        if not hasattr(self, "n_features") or self.n_features is None:
            self.n_features = self.emissionprob_.shape[1]
        return super().score(X, lengths)


class GaussianHMM(_BaseHMM):
    """Diagonal-covariance Gaussian states: ``means_`` and ``covars_`` ``[n_components, n_features]``."""

    _emission_letters = "mc"
    covariance_type = "diag"

    def _init_emissions(self, X):
        X = np.asarray(X, np.float64)
        if "m" in self.init_params or not hasattr(self, "means_"):
            self.means_, _ = training.kmeans(X, self.n_components, seed=self.random_state or 0)
        if "c" in self.init_params or not hasattr(self, "covars_"):
            self.covars_ = np.tile(X.var(axis=0) + self.min_covar, (self.n_components, 1))

    def _log_b_batch(self, batch):
        import jax
        import jax.numpy as jnp

        return jax.vmap(gaussian_log_b, in_axes=(0, None, None))(batch, jnp.asarray(self.means_),
                                                                 jnp.asarray(self.covars_))

    def _stats(self, batch, lens):
        import jax.numpy as jnp

        return training.gaussian_stats(batch, lens, *self._log_params(), jnp.asarray(self.means_),
                                       jnp.asarray(self.covars_))

    def _m_step_emissions(self, stats):
        weight, sx, sxx = stats
        w = np.maximum(weight, 1e-10)[:, None]
        means = sx / w
        if "m" in self.params:
            self.means_ = np.where(weight[:, None] > 0, means, self.means_)
        if "c" in self.params:
            var = sxx / w - means ** 2
            self.covars_ = np.where(weight[:, None] > 0, np.maximum(var, 0) + self.min_covar, self.covars_)

    def _emit(self, state, rng):
        return rng.normal(self.means_[state], np.sqrt(self.covars_[state]))


class GMMHMM(_BaseHMM):
    """States with diagonal Gaussian mixtures: ``weights_`` ``[N, M]``, ``means_``/``covars_`` ``[N, M, D]``."""

    _emission_letters = "wmc"
    covariance_type = "diag"

    def __init__(self, n_components: int = 1, n_mix: int = 1, **kwargs) -> None:
        super().__init__(n_components, **kwargs)
        self.n_mix = n_mix

    def _init_emissions(self, X):
        X = np.asarray(X, np.float64)
        n, m = self.n_components, self.n_mix
        if "m" in self.init_params or not hasattr(self, "means_"):
            centres, labels = training.kmeans(X, n, seed=self.random_state or 0)
            means = np.empty((n, m, X.shape[1]))
            for i in range(n):
                members = X[labels == i]
                if len(members) >= m:
                    means[i], _ = training.kmeans(members, m, seed=(self.random_state or 0) + i)
                else:
                    means[i] = centres[i] + 0.01 * self._rng().standard_normal((m, X.shape[1]))
            self.means_ = means
        if "c" in self.init_params or not hasattr(self, "covars_"):
            self.covars_ = np.tile(X.var(axis=0) + self.min_covar, (n, m, 1))
        if "w" in self.init_params or not hasattr(self, "weights_"):
            self.weights_ = np.full((n, m), 1.0 / m)

    def _jax_params(self):
        import jax.numpy as jnp

        return jnp.asarray(self.weights_), jnp.asarray(self.means_), jnp.asarray(self.covars_)

    def _log_b_batch(self, batch):
        import jax

        return jax.vmap(gmm_log_b, in_axes=(0, None, None, None))(batch, *self._jax_params())

    def _stats(self, batch, lens):
        return training.gmm_stats(batch, lens, *self._log_params(), *self._jax_params())

    def _m_step_emissions(self, stats):
        occupancy, sx, sxx = stats
        occ = np.maximum(occupancy, 1e-10)[..., None]
        means = sx / occ
        alive = occupancy[..., None] > 1e-6
        if "w" in self.params:
            self.weights_ = training.normalise_rows(occupancy, self.weights_)
        if "m" in self.params:
            self.means_ = np.where(alive, means, self.means_)
        if "c" in self.params:
            var = sxx / occ - means ** 2
            self.covars_ = np.where(alive, np.maximum(var, 0) + self.min_covar, self.covars_)

    def _emit(self, state, rng):
        k = rng.choice(self.n_mix, p=self.weights_[state])
        return rng.normal(self.means_[state, k], np.sqrt(self.covars_[state, k]))
