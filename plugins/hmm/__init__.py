"""Built-in HMM plugin: a JAX HMM toolkit and the ``hmm-words`` isolated-word recogniser.

Toolkit (log space, ``jax.lax.scan``, jitted, batched with masks)::

    from sonitus.plugins.hmm.inference import forward, backward, posteriors, viterbi, log_likelihood
    from sonitus.plugins.hmm.models import CategoricalHMM, GaussianHMM, GMMHMM   # hmmlearn-style

Recogniser: ``sonitus.dsl.stage("hmm-words")`` (Audio -> Transcript with the best of the
words zero ... nine, yes, no, stop, go, up, down, left, right, on, off), trained with
``sonitus train hmm-words`` and evaluated with ``sonitus eval hmm-words``.
"""

from __future__ import annotations

from sonitus import hookimpl

from .recognizer import HMMWordsRecognizer

#: stages of other plugins this one builds by name (the dsp plugin's features), checked when sonitus
#: loads: without them this plugin's stages say so instead of failing mid-run
REQUIRES = ("mfcc",)


@hookimpl
def register_recognizers(register):
    register(HMMWordsRecognizer, description="Recognise one spoken word (digits and commands) with GMM-HMMs; model= a "
                                                "checkpoint; threshold= rejects answers less confident than it.")


@hookimpl
def register_commands(cli):
    from .cli import eval_hmm_words, train_hmm_words

    cli.commands["train"].add_command(train_hmm_words, "hmm-words")
    cli.commands["eval"].add_command(eval_hmm_words, "hmm-words")
