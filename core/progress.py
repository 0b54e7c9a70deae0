"""Progress bars for long work (rich), quiet when output is not a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

__all__ = ["track", "progress_bar"]


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


@contextlib.contextmanager
def progress_bar(description: str, total: float, *, unit: str = "", disable: bool | None = None
                 ) -> Iterator[Callable[[float], None]]:
    """A rich progress bar on stderr for work measured in amounts (seconds of audio, bytes):
    yields ``advance(amount)``. Hidden when stderr is not a terminal, unless ``disable=False``.

    >>> with progress_bar("reading", 3600.0, unit="s", disable=True) as advance:
    ...     advance(30.0)
    """
    import sys

    if disable is None:
        disable = not sys.stderr.isatty()
    if disable:
        yield lambda amount: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(),
               TextColumn("{task.completed:,.0f}/{task.total:,.0f}" + (f" {unit}" if unit else "")),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda amount: bar.advance(task, amount)
