"""Built-in speech recognition plugin: a Flax CTC recogniser trained here on synthetic speech.

Stage ``ctc`` (Audio -> Transcript), what the DSL's ``recognize()`` builds, so that
``(load("talk.wav") >> recognize() >> text()).run()`` gives the text of ``sonitus transcribe
talk.wav``; commands ``sonitus transcribe``, ``sonitus train asr`` and ``sonitus eval asr``.
See docs/asr.md.
"""

from __future__ import annotations

from sonitus import Audio, Transcript, hookimpl


def ctc(model: str | None = None, beam: int | None = None, lm: bool = True, grammar=None,
        alpha: float | None = None, beta: float | None = None, threshold: float = 0.08):
    """Transcribe speech with the CTC model (shipped one by default); beam > 1 uses the word LM.

    Defaults (beam width, LM weight ``alpha``, word bonus ``beta``) are the recogniser's own,
    shared with ``sonitus transcribe``.
    """
    from .recognizer import CTCRecognizer

    given = {k: v for k, v in {"beam": beam, "alpha": alpha, "beta": beta}.items() if v is not None}
    return CTCRecognizer(model, lm=lm, grammar=grammar, threshold=threshold, **given)


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
