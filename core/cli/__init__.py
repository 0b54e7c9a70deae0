"""The ``sonitus`` command line.

Built-in commands live in this package (each module adds its own to the group in
:mod:`.app`); plugins add more through the ``register_commands(cli)`` hook. Errors print one
line and exit with status 1 (2 for usage errors); ``--debug`` shows the traceback.
"""

from . import batch, groups, info, models, plugins  # noqa: F401  (each adds its commands)
from .app import HelpGroup, SonitusGroup, _exit_cleanly_on_sigterm, cli, main, printable

__all__ = ["cli", "main", "printable", "HelpGroup", "SonitusGroup", "_exit_cleanly_on_sigterm"]
