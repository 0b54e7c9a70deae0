"""sonitus: a plugin-based audio SDK.

Speech to text with JAX/Flax models, and music composed with a Python DSL or generated
by GANs, rendered with FluidSynth or Griffin-Lim. Every stage is a plugin.

>>> import sonitus
>>> sonitus.get_registry().spec("to-mono").signature
'Audio -> Audio'
"""

from __future__ import annotations

# First, so that a chatty third-party import anywhere below writes to stderr, not stdout.
from . import import_chatter  # noqa: F401  # isort: skip
from .audio import Audio, AudioInfo
from .errors import SonitusError
from .hookspecs import hookimpl
from .pipeline import Pipeline, Source, as_stage
from .registry import Registry, StageSpec, get_registry, reset_registry, set_registry
from .score import Score
from .stages import FunctionStage, Stage, StageBase
from .values import Features, Spectrogram, Transcript, Word
from .version import __version__

__all__ = [
    "__version__",
    "as_stage",
    "Audio",
    "AudioInfo",
    "Features",
    "FunctionStage",
    "Pipeline",
    "Registry",
    "Score",
    "SonitusError",
    "Source",
    "Spectrogram",
    "Stage",
    "StageBase",
    "StageSpec",
    "Transcript",
    "Word",
    "get_registry",
    "hookimpl",
    "reset_registry",
    "set_registry",
    "stage",
]


def stage(name: str, **options):
    """Build the registered stage ``name`` with keyword ``options`` (see ``sonitus stages``)."""
    return get_registry().stage(name, **options)
