"""Keep third-party import-time chatter off stdout.

pyfluidsynth prints "'fluidsynth' was found at ..." on stdout when it is imported with the
``CI`` environment variable set, and pretty_midi imports it. stdout carries sonitus's
machine-readable output (``--json``, ``-o -``), so such modules are executed with stdout
sent to stderr instead. Nothing is imported early: the finder only wraps the named modules
when something imports them.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

CHATTY_MODULES = frozenset({"fluidsynth"})


class _StdoutToStderrLoader(importlib.abc.Loader):
    def __init__(self, inner: importlib.abc.Loader):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        with contextlib.redirect_stdout(sys.stderr):
            self._inner.exec_module(module)


class _ChattyModuleFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname not in CHATTY_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _StdoutToStderrLoader(spec.loader)
        return spec


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once; importing this module does it)."""
    if not any(isinstance(finder, _ChattyModuleFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _ChattyModuleFinder())


install()
