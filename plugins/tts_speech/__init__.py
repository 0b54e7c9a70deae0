"""Built-in dataset plugin ``tts-speech``: synthetic English speech for training and evaluation.

Sentences come from offline sources (Debian ``fortunes``, the ``wamerican`` word list,
spelt-out numbers and dates), normalised to lower case with no punctuation but
apostrophes. Training speech comes from espeak-ng (English voices x variants, random rate,
pitch, amplitude and word gap), its MBROLA voices and SVOX Pico (where installed: ``make
asr-data``). The dev split is spoken only by voices never heard in training: held-out
espeak-ng variants, MBROLA ``us3`` and the whole Festival engine (``kal``, ``ked``).

>>> from sonitus import get_registry                      # doctest: +SKIP
>>> ds = get_registry().dataset("tts-speech", root="asr-data")
>>> ds.build(train=10000, dev=360)                         # resumable
>>> ds.manifest("dev")                                     # path<TAB>transcript lines

CLI: ``sonitus generate tts-speech --root asr-data --train 10000 --dev 360 --jobs 2``.
"""

from __future__ import annotations

from sonitus import hookimpl

from .dataset import TTSSpeech, default_root

__all__ = ["TTSSpeech", "default_root"]


@hookimpl
def register_datasets(register):
    register("tts-speech", TTSSpeech,
             description="Synthetic English speech (espeak-ng, Festival) with held-out dev voices.")


@hookimpl
def register_commands(cli):
    from .cli import generate_tts_speech

    cli.commands["generate"].add_command(generate_tts_speech, "tts-speech")
