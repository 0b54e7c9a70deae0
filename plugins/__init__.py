"""The built-in plugins of sonitus.

Every public module or package directly in this package is a plugin like any
third-party one: it implements hooks from :mod:`sonitus.hookspecs` with ``@hookimpl``,
and the registry loads it through the same manager calls. Plugins import heavy
libraries (JAX, Flax, FluidSynth) only inside the factories and stages that need them.
Code that several plugins share lives in the library layer of core (``sonitus.dsp``,
``sonitus.text``, ``sonitus.tts``, ...): a plugin never imports another plugin.
"""

from __future__ import annotations

import pkgutil


def _discover() -> tuple[str, ...]:
    return tuple(sorted(f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__)
                        if not m.name.startswith("_")))


BUILTIN_PLUGINS: tuple[str, ...] = _discover()
