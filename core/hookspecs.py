"""The hooks a sonitus plugin implements: one per kind of stage, plus CLI commands.

Each stage hook receives a ``register`` callable::

    from sonitus import hookimpl

    @hookimpl
    def register_preprocessors(register):
        register("louder", make_louder, description="Raise the level by 6 dB.")

A stage is registered in one of two ways, and its types are stated in one place:

- ``register(StageClass)``: a :class:`sonitus.StageBase` subclass is the authority for its
  ``name``, ``consumes`` and ``produces``; the registry builds it with ``StageClass(**options)``
  (or with ``factory=`` when building takes more than the constructor);
- ``register(name, factory, consumes=..., produces=...)``: a plain function returns the stage
  (any callable, wrapped); its types are the ones given here, or the hook's defaults below.

Either way the types must fit the hook's kind (the table below); a stage that does not is
left out with a warning that ``sonitus plugins`` shows. ``description=`` is the line shown by
``sonitus stages`` (default: the first paragraph of the class's or the factory's docstring).
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
    """The contract of one registering hook: the kind of what it registers, the types a plain
    function's registration consumes and produces unless it says otherwise, and what any stage
    of the kind may consume (at least one of ``may_consume``) and produce (only ``may_produce``)."""

    hook: str
    kind: str
    consumes: Any
    produces: Any
    may_consume: Any = None
    may_produce: Any = None

    def __post_init__(self) -> None:
        if self.may_consume is None:
            object.__setattr__(self, "may_consume", self.consumes)
        if self.may_produce is None:
            object.__setattr__(self, "may_produce", self.produces)


#: the one table of stage kinds; the registry, ``sonitus stages`` and the meta-tests read it
STAGE_KINDS: tuple[HookKind, ...] = (
    HookKind("register_preprocessors", "preprocessor", Audio, Audio),
    HookKind("register_feature_extractors", "feature-extractor", Audio, Features,
             may_produce=(Features, Spectrogram)),
    HookKind("register_recognizers", "recognizer", (Audio, Features), Transcript, may_produce=(Transcript, Score)),
    HookKind("register_generators", "generator", None, (Score, Spectrogram), may_consume=(None, Score)),
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
    """Register Audio -> Features stages (log-mel, MFCC, chroma, ...), and Audio -> Spectrogram
    ones (a complex STFT that a renderer can turn back into audio)."""


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
