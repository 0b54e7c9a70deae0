"""Which recogniser speech goes to, and the pipeline in front of it: what the DSL's
``recognize()``, ``sonitus transcribe``, ``sonitus eval asr`` and ``sonitus batch`` share.

>>> pipeline = recognition_pipeline()            # to-mono >> resample >> whisper (or ctc)  # doctest: +SKIP
"""

from __future__ import annotations

import sys
from typing import Any

from .pipeline import Pipeline
from .registry import get_registry
from .stages import StageBase, accepts

__all__ = ["CTC_ONLY_OPTIONS", "default_recognizer", "recognition_pipeline", "file_recognition_pipeline"]

#: options only the ``ctc`` recogniser takes: given one, ``recognize()`` picks ``ctc``
CTC_ONLY_OPTIONS = ("lm", "alpha", "beta")
#: grammar decoding: ``ctc`` unless a Whisper ``model`` is named
GRAMMAR_OPTIONS = ("grammar", "threshold")
_fallback_said = False


def default_recognizer(**options: Any) -> StageBase:
    """The recogniser ``recognize()`` and ``sonitus transcribe`` use: ``whisper`` (a pretrained
    Whisper, tiny.en unless ``model`` names another) when its model is installed, else the
    shipped ``ctc`` model, saying once on stderr how to install the better one. Options only
    ``ctc`` takes (the word LM), a ``.ckpt`` model, and grammar decoding without a named Whisper
    ``model`` choose ``ctc``."""
    global _fallback_said
    registry = get_registry()
    ctc_model = str(options.get("model") or "").endswith(".ckpt")
    grammar_on_ctc = options.get("model") is None and any(options.get(k) is not None for k in GRAMMAR_OPTIONS)
    if (ctc_model or grammar_on_ctc or any(options.get(k) is not None for k in CTC_ONLY_OPTIONS)
            or "whisper" not in registry.names()):
        return registry.stage("ctc", **options)
    if options.get("model") is not None:
        return registry.stage("whisper", **options)
    model = registry.stage("whisper", **options)
    why = model.unavailable() if hasattr(model, "unavailable") else None
    if why is None:
        return model
    if not _fallback_said:
        print(f"sonitus: using the small ctc model trained on synthetic voices ({why})", file=sys.stderr)
        _fallback_said = True
    return registry.stage("ctc", **{k: v for k, v in options.items() if k in ("beam", "batch")})


def recognition_pipeline(recognizer: str | None = None, **options: Any) -> Pipeline:
    """``to-mono >> resample >> <recognizer>`` (``recognizer`` None: :func:`default_recognizer`),
    ``options`` going to the recogniser; the resampling goes to its ``sample_rate`` where it
    declares one. The DSL's ``recognize()`` is this function."""
    registry = get_registry()
    model = default_recognizer(**options) if recognizer is None else registry.stage(recognizer, **options)
    front = [registry.stage("to-mono")]
    rate = getattr(model, "sample_rate", None)
    if rate:
        front.append(registry.stage("resample", sample_rate=int(rate)))
    return Pipeline([*front, model])


def file_recognition_pipeline(recognizer: str | None = None, **options: Any) -> Pipeline:
    """Paths -> Transcript, what ``sonitus transcribe`` runs: the recogniser reads the files
    itself where it takes paths (``whisper`` streams recordings too long to hold), else
    ``load >> recognition_pipeline(...)``. The text is the same either way."""
    pipeline = recognition_pipeline(recognizer, **options)
    model = pipeline.stages[-1]
    consumes = getattr(model, "consumes", object)
    if consumes is not object and accepts(consumes, "talk.wav"):
        return Pipeline([model])
    return Pipeline([get_registry().stage("load"), *pipeline.stages])
