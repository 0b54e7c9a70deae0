"""Stages and pipelines: :class:`StageBase` (what plugin stages subclass), stages composed
with ``>>`` into a :class:`Pipeline`, type-checked when it is built. Public through
:mod:`sonitus.stages` and ``sonitus``; running a pipeline over files is :mod:`sonitus.batch`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .errors import PipelineError, SonitusError, StageTypeMismatchError
from .progress import track
from .stage_types import accepts, as_tuple, type_name, types_fit

__all__ = ["StageBase", "FunctionStage", "Pipeline", "Source", "as_stage"]


def _checking_input(call: Callable) -> Callable:
    @functools.wraps(call)
    def checked(self, value: Any = None, *args: Any, **kwargs: Any) -> Any:
        if not accepts(self.consumes, value):
            given = "nothing" if value is None else f"{type(value).__name__} {value!r:.40}"
            if as_tuple(self.consumes) == (type(None),):
                raise StageTypeMismatchError(f"{self.noun} '{self.name}' starts a pipeline and takes no input; "
                                             f"call it with none, not {given}.")
            raise StageTypeMismatchError(f"{self.noun} '{self.name}' takes {type_name(self.consumes)}, not {given}; "
                                         f"feed it from a stage that produces {type_name(self.consumes)}.")
        return call(self, value, *args, **kwargs)

    checked.checks_input = True
    return checked


class StageBase:
    """The base of stages: ``>>`` composition, input checking and a readable repr.

    Subclasses set ``name``, ``consumes`` and ``produces`` and implement ``__call__``.
    """

    name: str = "stage"
    consumes: Any = object
    produces: Any = object
    #: what error messages call it
    noun: str = "Stage"
    #: ``(registered name, options)`` when the registry built this stage, else None
    built_by: tuple[str, dict[str, Any]] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # every stage checks what it is given against ``consumes``, called alone or in a pipeline
        super().__init_subclass__(**kwargs)
        call = cls.__dict__.get("__call__")
        if call is not None and not getattr(call, "checks_input", False):
            cls.__call__ = _checking_input(call)

    def __call__(self, value: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def map(self, values: Sequence[Any]) -> list[Any]:
        """Process several values; override for real batching."""
        return [self(v) for v in values]

    def fuse(self, after: Any) -> StageBase | None:
        """One stage doing ``self`` then ``after`` at once (e.g. in one jitted function), or
        ``None`` when they cannot run together. Pipelines ask each pair of neighbours before
        they run; the fused stage must give what the two give one after the other."""
        return None

    def __rshift__(self, other: Any) -> Pipeline:
        return Pipeline.of(self) >> other

    def __rrshift__(self, other: Any) -> Pipeline:
        return Pipeline.of(other) >> self

    def run(self, value: Any = None) -> Any:
        """Run this single stage (a one-stage pipeline)."""
        return Pipeline.of(self).run(value)

    def __repr__(self) -> str:
        return f"<stage {self.name}: {type_name(self.consumes)} -> {type_name(self.produces)}>"


class FunctionStage(StageBase):
    """Wraps a plain function (and an optional batch function) as a stage."""

    def __init__(self, name: str, function: Callable[[Any], Any], *, consumes: Any = object,
                 produces: Any = object, batch: Callable[[Sequence[Any]], Iterable[Any]] | None = None,
                 options: dict[str, Any] | None = None) -> None:
        self.name = name
        self.function = function
        self.consumes = consumes
        self.produces = produces
        self.batch = batch
        self.options = dict(options or {})

    def __call__(self, value: Any) -> Any:
        return self.function(value)

    def map(self, values: Sequence[Any]) -> list[Any]:
        if self.batch is not None:
            return list(self.batch(values))
        return [self.function(v) for v in values]

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return (f"<stage {self.name}({opts}): {type_name(self.consumes)} -> "
                f"{type_name(self.produces)}>")



class Source(StageBase):
    """A stage that ignores its input and produces a fixed value (the start of a pipeline)."""

    consumes = None

    def __init__(self, value: Any, *, name: str | None = None) -> None:
        self.value = value
        self.produces = type(value)
        self.name = name or f"value:{type(value).__name__}"

    def __call__(self, value: Any = None) -> Any:
        return self.value


def as_stage(obj: Any, *, name: str | None = None, consumes: Any = object, produces: Any = object,
             options: Mapping[str, Any] | None = None) -> StageBase:
    """Anything that can stand in a pipeline, as a :class:`StageBase`; the one adapter that
    the registry (for what a stage factory returns) and :class:`Pipeline` (for what ``>>``
    is given) share.

    - a ``StageBase`` is returned itself, its missing ``name``, ``consumes`` and ``produces``
      filled from the arguments (a registered stage's spec);
    - with ``name`` (a factory's result), any other callable becomes a :class:`FunctionStage`
      of that name, taking its own ``consumes``/``produces``/``map`` where it has them;
    - an object with ``as_stage()`` (a music ``Song``) gives what that returns;
    - an object that follows the :class:`Stage` protocol (callable, with ``name``,
      ``consumes`` and ``produces``) is wrapped;
    - anything else is a :class:`Source`: a fixed value that starts a pipeline.
    """
    if isinstance(obj, StageBase):
        if name is not None:
            if getattr(obj, "name", StageBase.name) == StageBase.name:
                obj.name = name
            if getattr(obj, "consumes", object) is object and type(obj).consumes is object:
                obj.consumes = consumes
            if getattr(obj, "produces", object) is object and type(obj).produces is object:
                obj.produces = produces
        return obj
    if name is not None and callable(obj):
        return FunctionStage(name, obj, consumes=getattr(obj, "consumes", consumes),
                             produces=getattr(obj, "produces", produces), batch=getattr(obj, "map", None),
                             options=dict(options or {}))
    to_stage = getattr(obj, "as_stage", None)
    if callable(to_stage):
        return to_stage()
    if all(hasattr(obj, a) for a in ("name", "consumes", "produces")) and callable(obj):
        return _Adapter(obj)
    return Source(obj)


class _Adapter(StageBase):
    """Lets any object that follows the `Stage` protocol take part in a pipeline."""

    def __init__(self, stage: Any) -> None:
        self.inner = stage
        self.name, self.consumes, self.produces = stage.name, stage.consumes, stage.produces

    def __call__(self, value: Any) -> Any:
        return self.inner(value)

    def map(self, values: Sequence[Any]) -> list[Any]:
        batch = getattr(self.inner, "map", None)
        return list(batch(values)) if callable(batch) else [self.inner(v) for v in values]


class Pipeline(StageBase):
    """Stages run one after another; itself a stage, so pipelines compose.

    >>> from sonitus.dsl import stage
    >>> p = stage("to-mono") >> stage("gain", db=-6)
    >>> p.consumes.__name__, p.produces.__name__
    ('Audio', 'Audio')
    """

    noun = "Pipeline"

    def __init__(self, stages: Sequence[Any], *, fuse: bool = True) -> None:
        flat: list[StageBase] = []
        for obj in stages:
            stage = as_stage(obj)
            flat.extend(stage.stages if isinstance(stage, Pipeline) else (stage,))
        if not flat:
            raise PipelineError("A pipeline needs at least one stage.")
        for left, right in zip(flat, flat[1:]):
            _check_fit(left, right)
        self.stages: tuple[StageBase, ...] = tuple(flat)
        self.name = " >> ".join(s.name for s in flat)
        self.consumes = flat[0].consumes
        self.produces = flat[-1].produces
        self.fuses = fuse
        self._plan: tuple[StageBase, ...] | None = None

    @property
    def plan(self) -> tuple[StageBase, ...]:
        """The stages as they run: neighbours that can run as one (:meth:`StageBase.fuse`, e.g.
        consecutive JAX kernels in one jitted function) are fused, unless ``fuse=False``."""
        if self._plan is None:
            planned: list[StageBase] = []
            for stage in self.stages:
                fused = planned[-1].fuse(stage) if planned and self.fuses else None
                if fused is not None:
                    planned[-1] = fused
                else:
                    planned.append(stage)
            self._plan = tuple(planned)
        return self._plan

    @classmethod
    def of(cls, obj: Any) -> Pipeline:
        """A pipeline from a stage, a pipeline, or a value (which becomes its source)."""
        return obj if isinstance(obj, Pipeline) else cls([obj])

    def __rshift__(self, other: Any) -> Pipeline:
        return Pipeline([*self.stages, other], fuse=self.fuses)

    def __rrshift__(self, other: Any) -> Pipeline:
        return Pipeline([other, *self.stages], fuse=self.fuses)

    def __len__(self) -> int:
        return len(self.stages)

    def __repr__(self) -> str:
        return f"<Pipeline {self.name}: {type_name(self.consumes)} -> {type_name(self.produces)}>"

    def run(self, value: Any = None) -> Any:
        """Feed ``value`` (nothing, for a pipeline that starts with a source) through every stage."""
        for stage in self.plan:
            value = _call(stage, stage, value)
        return value

    __call__ = run

    def map(self, values: Iterable[Any], *, batch_size: int = 16, progress: bool = False) -> list[Any]:
        """Run many inputs, ``batch_size`` at a time; stages with a ``map`` method get whole batches.

        Args:
            values: the inputs.
            batch_size: how many inputs each stage receives at once.
            progress: show a progress bar.
        """
        if batch_size < 1:
            raise PipelineError(f"batch_size must be at least 1, not {batch_size}.")
        items = list(values)
        results: list[Any] = []
        batches = [items[i:i + batch_size] for i in range(len(items))[::batch_size]]
        if progress:
            batches = track(batches, description=self.name, total=len(batches))
        for batch in batches:
            for stage in self.plan:
                batch = _call(stage, stage.map, batch)
            results.extend(batch)
        return results


def _call(stage: StageBase, function: Any, value: Any) -> Any:
    try:
        return function(value)
    except SonitusError:
        raise
    except Exception as exc:
        raise PipelineError(f"Stage '{stage.name}' failed: {type(exc).__name__}: {exc}") from exc
    except SystemExit as exc:
        if getattr(exc, "signal", None) is not None:  # SIGTERM unwinding the command: let it end the run
            raise
        raise PipelineError(f"Stage '{stage.name}' called sys.exit({exc.code!r}); a stage must return its value "
                            "or raise an error (the plugin that provides it needs fixing).") from None


def _check_fit(left: StageBase, right: StageBase) -> None:
    if not types_fit(left.produces, right.consumes):
        raise StageTypeMismatchError(
            f"Cannot connect '{left.name}' to '{right.name}': '{left.name}' produces "
            f"{type_name(left.produces)} but '{right.name}' consumes {type_name(right.consumes)}.")
