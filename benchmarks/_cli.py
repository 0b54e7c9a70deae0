"""The command line every benchmark script shares: ``--help`` prints the script's whole docstring."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable


def make_parser(doc: str | None) -> argparse.ArgumentParser:
    """An ArgumentParser whose ``--help`` shows ``doc`` as written (its examples and notes
    included), not cut at the first line."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def table_printer(as_json: bool) -> Callable[..., None]:
    """``print`` for a benchmark's human-readable table: to stderr when ``--json`` asks stdout
    for one JSON document, so that ``script --json > out.json`` stays valid JSON."""
    return functools.partial(print, file=sys.stderr, flush=True) if as_json else print
