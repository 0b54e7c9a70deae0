"""What every registered dataset is: the :class:`Dataset` protocol the registry checks.

A dataset lives in a folder (``root``, or the plugin's default), is made there by ``build``
(resumable where building is long) and read by ``load``, which gives its training and
held-out parts. ``load`` builds a dataset that is quick to make (the chorales: a minute) and
says how to build one that is not (the synthetic speech corpus: hours)::

    ds = get_registry().dataset("chorales")
    train, held_out = ds.load()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = ["Dataset", "missing_members"]


@runtime_checkable
class Dataset(Protocol):
    """A corpus for training and evaluation, as ``register_datasets`` registers it."""

    root: str | None

    @property
    def folder(self) -> Path:
        """Where the dataset lives."""

    def build(self, *, progress: bool = True) -> Any:
        """Make (or complete) the dataset in :attr:`folder`; returns what it wrote."""

    def load(self, *, progress: bool = True) -> tuple[Any, Any]:
        """``(train, held_out)``."""


# read off the protocol, so that a member added to it is checked too
_MEMBERS = tuple(dict.fromkeys([*Dataset.__annotations__, *(n for n in vars(Dataset) if not n.startswith("_"))]))


def missing_members(obj: Any) -> list[str]:
    """The members of :class:`Dataset` that ``obj`` lacks (empty when it is one)."""
    return [name for name in _MEMBERS if not hasattr(obj, name)]
