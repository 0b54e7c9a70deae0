"""Progress bars for long work (rich), quiet when output is not a terminal."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

__all__ = ["track"]


def track(items: Iterable[T], *, description: str = "working", total: int | None = None,
          disable: bool | None = None) -> Iterator[T]:
    """Iterate over ``items`` with a rich progress bar on stderr.

    The bar is hidden when stderr is not a terminal, unless ``disable=False``.
    """
    import sys

    if disable is None:
        disable = not sys.stderr.isatty()
    if disable:
        yield from items
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)
