"""The command line every benchmark script shares: ``--help`` prints the script's whole docstring."""

from __future__ import annotations

import argparse


def make_parser(doc: str | None) -> argparse.ArgumentParser:
    """An ArgumentParser whose ``--help`` shows ``doc`` as written (its examples and notes
    included), not cut at the first line."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
