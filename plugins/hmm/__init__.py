"""Built-in HMM plugin: the ``hmm-words`` isolated-word recogniser, built on the library's JAX
HMM toolkit (:mod:`sonitus.hmm`: log-space inference and hmmlearn-style models).

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
