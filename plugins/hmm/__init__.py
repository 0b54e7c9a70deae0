"""Built-in HMM plugin: a JAX HMM toolkit and the ``hmm-words`` isolated-word recogniser.

Toolkit (log space, ``jax.lax.scan``, jitted, batched with masks)::

    from sonitus.plugins.hmm.inference import forward, backward, posteriors, viterbi, log_likelihood
    from sonitus.plugins.hmm.models import CategoricalHMM, GaussianHMM, GMMHMM   # hmmlearn-style

Recogniser: ``sonitus.dsl.stage("hmm-words")`` (Audio -> Transcript with the best of the
words zero ... nine, yes, no, stop, go, up, down, left, right, on, off), trained with
``sonitus train hmm-words`` and evaluated with ``sonitus eval hmm-words``.
"""

from __future__ import annotations

from sonitus import Audio, Transcript, hookimpl
from sonitus.stages import StageBase

#: stages of other plugins this one builds by name (the dsp plugin's features), checked when sonitus
#: loads: without them this plugin's stages say so instead of failing mid-run
REQUIRES = ("mfcc",)


class HMMWordsRecognizer(StageBase):
    """Audio -> Transcript: the best-scoring word model."""

    name = "hmm-words"
    consumes = Audio
    produces = Transcript

    def __init__(self, model: str | None = None, threshold: float = 0.0) -> None:
        from sonitus.errors import ParameterError

        from .words import WordModels

        if not 0 <= threshold <= 1:
            raise ParameterError(f"hmm-words: threshold is a confidence between 0 and 1, not {threshold}.")
        self.models = WordModels.load(model)
        self.threshold = threshold

    def __call__(self, audio: Audio) -> Transcript:
        return self.models.recognize([audio], threshold=self.threshold)[0]

    def map(self, audios):
        return self.models.recognize(list(audios), threshold=self.threshold)


def hmm_words(model: str | None = None, threshold: float = 0.0) -> HMMWordsRecognizer:
    """Recognise one spoken word (digits and commands) with GMM-HMMs; model= a checkpoint path;
    threshold= rejects (no word) answers less confident than it (0.9 rejects most non-words)."""
    return HMMWordsRecognizer(model, threshold)


@hookimpl
def register_recognizers(register):
    register("hmm-words", hmm_words, consumes=Audio, produces=Transcript)


@hookimpl
def register_commands(cli):
    from .cli import eval_hmm_words, train_hmm_words

    cli.commands["train"].add_command(train_hmm_words, "hmm-words")
    cli.commands["eval"].add_command(eval_hmm_words, "hmm-words")
