"""Atomic file writes: a failure never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import DiskFullError, OutputError

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "check_destination"]


def check_destination(path: str | os.PathLike[str]) -> Path:
    """Raise :class:`~sonitus.errors.OutputError` now if ``path`` cannot be written (it is a
    folder, or its folder is a file or not writable), so that a command fails before its work
    rather than after it. Missing folders are fine: they are made when the file is written."""

    target = Path(path)
    if target.is_dir():
        raise OutputError(f"Cannot write {target}: it is a folder; give a file name, "
                          f"e.g. {target / ('output' + (target.suffix or '.wav'))}.")
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputError(f"Cannot write {target}: {folder} is a file, not a folder.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"Cannot write {target}: the folder {folder} is not writable; choose another place.")
    return target


def _remove_stale_temporaries(target: Path, suffix: str) -> None:
    """Delete temporaries of ``target`` left by processes that no longer run (killed with SIGKILL)."""
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.*{glob.escape(suffix)}"):
        pid = tmp.name[len(target.name) + 2:].split(".", 1)[0]
        if not (pid.isascii() and pid.isdigit()):
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                tmp.unlink()
        except OSError:  # alive, someone else's
            pass


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    The temporary file (``.NAME.PID.RANDOM.SUFFIX``) keeps the target's suffix (``.wav``,
    ``.mid``...) so that libraries which pick a format from the file name still do so. On
    error (and on SIGTERM in the ``sonitus`` command) it is removed and the target is left
    untouched; one left by a process killed outright is removed by the next write of the
    same target.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = suffix if suffix is not None else target.suffix
    _remove_stale_temporaries(target, suffix)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file ordinary permissions
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if disk_full(exc) and not isinstance(exc, DiskFullError):
            raise DiskFullError(f"No space left on the device to write {target}; free some space and run again "
                              "(nothing was written).") from exc
        raise


def disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it: libsndfile's errors are wrapped) is a full disk or quota."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "no space left" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))
