"""What the speech commands' flags mean: which recogniser, with which options."""

from __future__ import annotations

from sonitus.errors import ParameterError

__all__ = ["recognizer_options"]


def recognizer_options(model: str | None, beam: int | None, grammar: str | None, threshold: float | None,
                        language: str | None, task: str | None, prompt: str | None,
                        audio_context: str | None = None) -> tuple[str | None, dict]:
    """Which recogniser the command-line flags of ``sonitus transcribe`` and ``sonitus eval asr``
    choose (None: the default, Whisper where installed) and its options; flags that do not go
    together are refused before any work."""
    if threshold is not None and grammar is None:
        raise ParameterError("--threshold only applies to grammar decoding: give --grammar FILE too.")
    if model is not None and not model.strip():
        raise ParameterError("--model is empty: give a model folder or file, 'tiny.en' or 'ctc' (or leave it out).")
    whisper_only = {"language": language, "task": task, "prompt": prompt, "audio_context": audio_context}
    ctc = model == "ctc" or (model or "").endswith(".ckpt") or (grammar is not None and model is None)
    if ctc:
        given = [f"--{k.replace('_', '-')}" for k, v in whisper_only.items() if v is not None]
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            raise ParameterError(f"{', '.join(given)} only {verb} to Whisper models, not to the ctc model "
                                 "(which --grammar without --model and a .ckpt --model choose).")
        options = {"model": None if model == "ctc" else model, "grammar": grammar, "threshold": threshold}
    else:
        options = {"model": model, "grammar": grammar, "threshold": threshold, **whisper_only}
    options["beam"] = beam
    return ("ctc" if ctc else None), {k: v for k, v in options.items() if v is not None}
