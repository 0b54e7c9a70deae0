"""The hooks a sonitus plugin implements: one per kind of stage, plus CLI commands.

Each stage hook receives a ``register`` callable::

    from sonitus import hookimpl

    @hookimpl
    def register_preprocessors(register):
        register("louder", make_louder, description="Raise the level by 6 dB.")

``register(name, factory, **metadata)`` records a factory; the registry calls
``factory(**options)`` when the stage is asked for. The factory returns a callable stage
(see :class:`sonitus.Stage`), or a plain function that the registry wraps. Metadata may
set ``consumes`` / ``produces`` (types) where they differ from the hook's defaults below,
and ``description`` (one line shown by ``sonitus stages``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pluggy

from .audio import Audio
from .score import Score
from .values import Features, Spectrogram, Transcript

__all__ = ["hookspec", "hookimpl", "HookKind", "STAGE_KINDS", "DATASETS"]

hookspec = pluggy.HookspecMarker("sonitus")
hookimpl = pluggy.HookimplMarker("sonitus")


@dataclass(frozen=True)
class HookKind:
    """The contract of one registering hook: the kind of what it registers and the types a
    registration consumes and produces unless it says otherwise (``consumes=``, ``produces=``)."""

    hook: str
    kind: str
    consumes: Any
    produces: Any


#: the one table of stage kinds; the registry, ``sonitus stages`` and the meta-tests read it
STAGE_KINDS: tuple[HookKind, ...] = (
    HookKind("register_preprocessors", "preprocessor", Audio, Audio),
    HookKind("register_feature_extractors", "feature-extractor", Audio, Features),
    HookKind("register_recognizers", "recognizer", (Audio, Features), Transcript),
    HookKind("register_generators", "generator", None, (Score, Spectrogram)),
    HookKind("register_renderers", "renderer", (Score, Spectrogram), Audio),
    HookKind("register_io", "io", object, object),
)
#: datasets are not stages: they have a table (and a namespace) of their own
DATASETS = HookKind("register_datasets", "dataset", None, object)


@hookspec
def register_preprocessors(register):
    """Register Audio -> Audio stages (mono, resample, filters, denoise, trim, ...)."""


@hookspec
def register_feature_extractors(register):
    """Register Audio -> Features stages (STFT, log-mel, MFCC, ...)."""


@hookspec
def register_recognizers(register):
    """Register Audio|Features -> Transcript stages (acoustic models with their decoders), and
    Audio -> Score ones that recognise notes (melody transcription)."""


@hookspec
def register_generators(register):
    """Register None|Score -> Score|Spectrogram stages (GANs and other generators)."""


@hookspec
def register_renderers(register):
    """Register Score|Spectrogram -> Audio stages (FluidSynth, Griffin-Lim, ...)."""


@hookspec
def register_io(register):
    """Register the stages that start and end pipelines: readers (a path -> Audio or Score) and
    writers (Audio, Score or Transcript -> a file or text), e.g. ``load``, ``save``, ``text``.
    Each registration says what it consumes and produces (the defaults, any -> any, fit anything)."""


@hookspec
def register_datasets(register):
    """Register corpora for training and evaluation; the factory returns the dataset."""


@hookspec
def register_models(register):
    """Register the models a stage loads by name (weights shipped in the plugin, or in a package
    it names): ``register(name, stage="whisper", description="...", locate=fn, default=False)``.
    ``locate()`` returns the model's folder or file, or raises a SonitusError that says how to
    install it. ``sonitus models`` lists them and where they are."""


@hookspec
def register_commands(cli):
    """Add sub-commands to the ``sonitus`` click group ``cli``.

    Import heavy libraries inside the command functions, not at module level, so that
    ``sonitus --help`` stays fast.
    """
