"""Built-in speech recognition plugin: a Flax CTC recogniser trained here on synthetic speech.

Stage ``ctc`` (Audio -> Transcript), what the DSL's ``recognize()`` builds, so that
``(load("talk.wav") >> recognize() >> text()).run()`` gives the text of ``sonitus transcribe
talk.wav``; commands ``sonitus transcribe``, ``sonitus train asr`` and ``sonitus eval asr``.
See docs/asr.md.
"""

from __future__ import annotations

from sonitus import Audio, Transcript, hookimpl

from .defaults import DEFAULT_ALPHA, DEFAULT_BEAM, DEFAULT_BETA, DEFAULT_GRAMMAR_THRESHOLD

#: stages of other plugins this one builds by name (the io plugin's writers, for transcribe -o), checked when sonitus
#: loads: without them this plugin's stages say so instead of failing mid-run
REQUIRES = ("save", "text")


def ctc(model: str | None = None, beam: int = DEFAULT_BEAM, lm: bool = True, grammar=None,
        alpha: float = DEFAULT_ALPHA, beta: float = DEFAULT_BETA, threshold: float = DEFAULT_GRAMMAR_THRESHOLD):
    """Transcribe speech with the CTC model (shipped one by default); beam > 1 uses the word LM
    (weight ``alpha``, bonus ``beta`` a word); the defaults are those of ``sonitus transcribe``."""
    from .recognizer import CTCRecognizer

    return CTCRecognizer(model, beam=beam, lm=lm, grammar=grammar, alpha=alpha, beta=beta, threshold=threshold)


@hookimpl
def register_recognizers(register):
    register("ctc", ctc, consumes=Audio, produces=Transcript,
             description="Flax Conformer-CTC speech recogniser (greedy, beam + word LM, grammar).")


@hookimpl
def register_commands(cli):
    from ._cli import eval_asr, train_asr, transcribe

    cli.commands["train"].add_command(train_asr, "asr")
    cli.commands["eval"].add_command(eval_asr, "asr")
    cli.add_command(transcribe, "transcribe")
