"""Stages: named callables with the type they consume and the type they produce."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

__all__ = ["Stage", "StageBase", "FunctionStage", "type_name", "types_fit", "accepts"]


@runtime_checkable
class Stage(Protocol):
    """What every stage is: ``stage(value)`` turns a ``consumes`` into a ``produces``.

    A stage may also define ``map(values)`` to process a list of values at once (a batch);
    :meth:`sonitus.Pipeline.map` uses it when present.
    """

    name: str
    consumes: Any
    produces: Any

    def __call__(self, value: Any) -> Any: ...


def type_name(t: Any) -> str:
    """``Audio``, ``Audio | Features``, ``None`` or ``any`` for a stage type."""
    if t is None or t is type(None):
        return "None"
    if t is object or t is Any:
        return "any"
    if isinstance(t, tuple):
        return " | ".join(type_name(x) for x in t)
    return getattr(t, "__name__", str(t))


def accepts(consumes: Any, value: Any) -> bool:
    """Whether ``value`` is something a stage consuming ``consumes`` takes."""
    ins = _as_tuple(consumes)
    if object in ins or Any in ins:
        return True
    return isinstance(value, tuple(t for t in ins if isinstance(t, type)))


def _checking_input(call: Callable) -> Callable:
    import functools

    @functools.wraps(call)
    def checked(self, value: Any = None, *args: Any, **kwargs: Any) -> Any:
        if not accepts(self.consumes, value):
            from .errors import StageTypeMismatchError

            given = "nothing" if value is None else f"{type(value).__name__} {value!r:.40}"
            if _as_tuple(self.consumes) == (type(None),):
                raise StageTypeMismatchError(f"{self.noun} '{self.name}' starts a pipeline and takes no input; "
                                             f"call it with none, not {given}.")
            raise StageTypeMismatchError(f"{self.noun} '{self.name}' takes {type_name(self.consumes)}, not {given}; "
                                         f"feed it from a stage that produces {type_name(self.consumes)}.")
        return call(self, value, *args, **kwargs)

    checked.checks_input = True
    return checked


def _as_tuple(t: Any) -> tuple:
    if t is None:
        return (type(None),)
    return tuple(_as_tuple(x)[0] if x is None else x for x in t) if isinstance(t, tuple) else (t,)


def types_fit(produces: Any, consumes: Any) -> bool:
    """Whether a stage producing ``produces`` may feed one consuming ``consumes``."""
    outs, ins = _as_tuple(produces), _as_tuple(consumes)
    if object in ins or Any in ins or object in outs or Any in outs:
        return True
    return all(any(isinstance(o, type) and isinstance(i, type) and issubclass(o, i) for i in ins)
               for o in outs)


class StageBase:
    """A convenient base for stages: gives ``>>`` composition and a readable repr.

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

    def __rshift__(self, other: Any):
        from .pipeline import Pipeline

        return Pipeline.of(self) >> other

    def __rrshift__(self, other: Any):
        from .pipeline import Pipeline

        return Pipeline.of(other) >> self

    def run(self, value: Any = None) -> Any:
        """Run this single stage (a one-stage pipeline)."""
        from .pipeline import Pipeline

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
