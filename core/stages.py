"""Stages: named callables with the type they consume and the type they produce.

The public home of what plugin authors use: :class:`StageBase` (subclass it), the
:class:`Stage` protocol, :class:`FunctionStage` and the type checks. They live in
:mod:`sonitus.stage_types` (types) and :mod:`sonitus.pipeline` (``>>`` needs the Pipeline).
"""

from .pipeline import FunctionStage, StageBase
from .stage_types import Stage, accepts, type_name, types_fit

__all__ = ["Stage", "StageBase", "FunctionStage", "type_name", "types_fit", "accepts"]
