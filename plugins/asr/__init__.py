"""Built-in speech recognition plugin: a Flax CTC recogniser trained here on synthetic speech.

Stage ``ctc`` (Audio -> Transcript), what the DSL's ``recognize()`` builds, so that
``(load("talk.wav") >> recognize() >> text()).run()`` gives the text of ``sonitus transcribe
talk.wav``; commands ``sonitus transcribe``, ``sonitus train asr`` and ``sonitus eval asr``.
See docs/asr.md.
"""

from __future__ import annotations

from sonitus import hookimpl

from .recognizer import CTCRecognizer

#: stages of other plugins this one builds by name (the io plugin's writers, for transcribe -o), checked when sonitus
#: loads: without them this plugin's stages say so instead of failing mid-run
REQUIRES = ("save", "text")


@hookimpl
def register_recognizers(register):
    register(CTCRecognizer,
             description="Flax Conformer-CTC speech recogniser (greedy, beam + word LM, grammar).")


@hookimpl
def register_commands(cli):
    from .cli import eval_asr, train_asr, transcribe

    cli.commands["train"].add_command(train_asr, "asr")
    cli.commands["eval"].add_command(eval_asr, "asr")
    cli.add_command(transcribe, "transcribe")
