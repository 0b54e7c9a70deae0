"""The ``sonitus`` command group: one-line errors, exit codes, ``--debug``, plugin commands
loaded lazily. The built-in commands (sibling modules) add themselves to :data:`cli`."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click
from sonitus.atomic import disk_full
from sonitus.errors import SonitusError
from sonitus.registry import get_registry
from sonitus.version import __version__

__all__ = ["cli", "main", "printable", "HelpGroup", "SonitusGroup"]


class HelpGroup(click.Group):
    """A click group whose ``--help`` lists each command with its first sentence whole (wrapped,
    never cut short with '...'); its sub-groups are HelpGroups too. A plugin that adds a group
    under a built-in one can make it with ``type(parent)(name, help=...)``."""

    group_class = type  # click: sub-groups made with .group() are of this same class

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class SonitusGroup(HelpGroup):
    """A click group that turns errors into one line and loads plugin commands lazily."""

    group_class = HelpGroup

    _plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        if not self._plugins_loaded:
            self._plugins_loaded = True
            get_registry().add_commands(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        # Plugins may add sub-commands to the built-in groups (train, eval, generate, plot).
        self._load_plugin_commands()
        return super().get_command(ctx, cmd_name)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        debug, argv = _debug_first(list(sys.argv[1:] if args is None else args))
        _exit_cleanly_on_sigterm()
        try:
            return super().main(argv, prog_name or "sonitus", complete_var, standalone_mode=False, **extra)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            if debug:
                raise
            exc.show()
            sys.exit(exc.exit_code)
        except SonitusError as exc:
            if debug:
                raise
            click.echo(f"Error: {_one_line(exc)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as exc:
            if debug:
                raise
            if disk_full(exc):
                click.echo("Error: no space left on the device to write the output; free some space and run again.",
                           err=True)
                sys.exit(1)
            click.echo(f"Error: unexpected {type(exc).__name__}: {_one_line(exc)} "
                       f"(rerun with --debug for the traceback)", err=True)
            sys.exit(1)


def _debug_first(argv: list[str]) -> tuple[bool, list[str]]:
    """Whether ``--debug`` was given, and ``argv`` with it moved to the front, where the group
    reads it: it is accepted anywhere before a ``--`` (the error hint says "rerun with --debug"
    after any command)."""
    cut = argv.index("--") if "--" in argv else len(argv)
    if "--debug" not in argv[:cut]:
        return False, argv
    return True, ["--debug"] + [a for a in argv[:cut] if a != "--debug"] + argv[cut:]


def _warnings_as_sentences() -> None:
    """The console script's warnings print as ``Warning: <message>`` on stderr, as its errors
    do, not with the file, line and source of the code that raised them (``--debug`` keeps
    Python's form). Categories other than :class:`UserWarning` keep their name, which says
    where they come from."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        kind = "" if category is UserWarning else f" ({category.__name__})"
        click.echo(f"Warning{kind}: {printable(str(message))}", err=True)

    warnings.showwarning = show


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM (``kill``, a job scheduler's timeout) unwinds like Ctrl-C does, so that
    ``finally`` blocks run: temporary files are removed and trainers save a checkpoint."""
    import signal
    import threading

    def terminate(signum, frame):
        stop = SystemExit(128 + signum)
        stop.signal = signum  # a stage's own sys.exit has none: the pipeline reports that one
        raise stop

    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, terminate)


def printable(text: str) -> str:
    """``text`` with the bytes of non-UTF-8 file names shown as ``\\xff`` (printing them raw fails)."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that no file name made
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _one_line(exc: BaseException) -> str:
    text = printable(str(exc))
    return " ".join(text.split()) if "\n  " not in text else text


@click.group(cls=SonitusGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="sonitus")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
def cli(debug: bool) -> None:
    """sonitus: speech to text and music, every stage a plugin.

    \b
    Examples:
      sonitus info talk.wav            duration, rate, channels, levels
      sonitus stages                   every stage you can use in a pipeline
      sonitus plugins --all            installed plugins, built-ins included
    """


def main() -> None:
    """Entry point of the ``sonitus`` console script.

    A finished command ends the process without tearing the interpreter down, as mypy does:
    ``atexit`` handlers and weakref finalizers run and the standard streams are flushed, but
    freeing every module and JAX's compiled programs one by one (0.3-0.45 s of each
    ``sonitus transcribe``) is skipped. While a thread that is not a daemon still runs, the
    process exits the usual way, which waits for it.
    """
    if not _debug_first(sys.argv[1:])[0]:
        _warnings_as_sentences()  # here, not in cli.main: a program that calls that keeps its own warnings
    try:
        cli.main()
    except SystemExit as exc:
        _end_process(exc.code)
    _end_process(0)


def _end_process(code: int | str | None) -> NoReturn:
    import atexit
    import os
    import threading

    if any(t is not threading.main_thread() and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): Python prints it and exits 1
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # the reader left early (sonitus stages | head -1): nothing to say
            status = status or 1
        except (OSError, ValueError):
            pass
    os._exit(status)
