"""What a stage consumes and produces: the Stage protocol and the type checks that pipelines
and the registry share. The bottom of the stage layer: it imports nothing of sonitus."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["Stage", "type_name", "types_fit", "accepts", "as_tuple"]


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
    ins = as_tuple(consumes)
    if object in ins or Any in ins:
        return True
    return isinstance(value, tuple(t for t in ins if isinstance(t, type)))


def as_tuple(t: Any) -> tuple:
    """A stage type as a tuple of types (``None`` as ``NoneType``)."""
    if t is None:
        return (type(None),)
    return tuple(as_tuple(x)[0] if x is None else x for x in t) if isinstance(t, tuple) else (t,)


def types_fit(produces: Any, consumes: Any) -> bool:
    """Whether a stage producing ``produces`` may feed one consuming ``consumes``."""
    outs, ins = as_tuple(produces), as_tuple(consumes)
    if object in ins or Any in ins or object in outs or Any in outs:
        return True
    return all(any(isinstance(o, type) and isinstance(i, type) and issubclass(o, i) for i in ins)
               for o in outs)
