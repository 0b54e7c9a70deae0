"""A JAX hidden-Markov-model toolkit: log-space inference (``jax.lax.scan``, jitted, batched
with masks) and hmmlearn-style models trained by Baum-Welch. The ``hmm-words`` recogniser
(plugin ``sonitus.plugins.hmm``) is built on it; so may yours.

>>> from sonitus.hmm import GaussianHMM                      # doctest: +SKIP
>>> model = GaussianHMM(n_components=3).fit(X, lengths)     # X [frames, dims], sequences' lengths
>>> model.predict(X[:lengths[0]])                           # the likeliest state path (Viterbi)
"""

from .inference import backward, forward, log_likelihood, posteriors, viterbi
from .models import GMMHMM, CategoricalHMM, GaussianHMM

__all__ = ["forward", "backward", "posteriors", "viterbi", "log_likelihood", "CategoricalHMM", "GaussianHMM",
           "GMMHMM"]
