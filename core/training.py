"""What every sonitus trainer shares: :func:`run_loop` (the loop itself: progress, checkpoints
on a clock and on SIGTERM/Ctrl-C, divergence checks, batch prefetching), the pieces it is made
of (:class:`StopSignal`, :class:`CheckpointClock`, :class:`ProgressLine`), data-parallel
placement (:class:`DataParallel`) and training settings read from JSON (:func:`load_config`).

>>> step, seconds = run_loop(title="training", step=0, total=1000, elapsed=0.0,    # doctest: +SKIP
...                          batch=make_batch, advance=one_update, save=write_checkpoint,
...                          last=out / "last.ckpt", every=500, minutes=10)
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import ClassVar

from .errors import ParameterError, SonitusError, TrainingError

__all__ = ["StopSignal", "CheckpointClock", "ProgressLine", "DataParallel", "run_loop", "load_config", "ConfigDict",
           "LoadableConfig"]


class StopSignal:
    """Turns SIGTERM/SIGINT into a request the loop honours after the current step (then saves).

    A second signal stops at once (``KeyboardInterrupt``). Only installed in the main thread;
    :meth:`restore` puts the previous handlers back.
    """

    def __init__(self) -> None:
        import signal
        import threading

        self.requested: str | None = None
        self._old = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._old[sig] = signal.signal(sig, self._handle)

    def _handle(self, signum, frame) -> None:
        import signal

        if self.requested:
            raise KeyboardInterrupt
        self.requested = signal.Signals(signum).name

    def restore(self) -> None:
        import signal

        for sig, handler in self._old.items():
            signal.signal(sig, handler)

    def raise_if_requested(self, step: int, saved, log: Callable[[str], None]) -> None:
        """After the loop: say where a stopped run was saved and end with ``KeyboardInterrupt``."""
        if self.requested:
            log(f"stopped by {self.requested} at step {step}; saved {saved}; continue with --resume")
            raise KeyboardInterrupt


class CheckpointClock:
    """When a training loop saves: every ``every`` steps and every ``minutes``, at the last
    step (``total``), at ``until`` (a run stopped on purpose) and when a stop was requested."""

    def __init__(self, every: int, minutes: float, total: int, until: int | None = None) -> None:
        self.every, self.minutes, self.total, self.until = every, minutes, total, until
        self.last = time.time()

    def due(self, step: int, stop: StopSignal) -> bool:
        return (step % self.every == 0 or time.time() - self.last > 60 * self.minutes or step == self.total
                or step == self.until or bool(stop.requested))

    def saved(self) -> None:
        self.last = time.time()

    def finished(self, step: int, stop: StopSignal) -> bool:
        """Whether the loop ends after ``step`` although steps remain."""
        return (self.until is not None and step >= self.until) or bool(stop.requested)


class ProgressLine:
    """A rich progress bar on a terminal, else a log line every ``every`` steps, with steps/s.

    ``fields`` are named values shown beside the bar (``loss``, ``dev CER`` ...).
    """

    def __init__(self, label: str, total: int, start: int, *, progress: bool | None = None,
                 per_epoch: int = 0, every: int = 50, log: Callable[[str], None] | None = None,
                 fields: tuple[str, ...] = ("loss",)):
        self.total, self.per_epoch, self.every, self.fields = total, per_epoch, every, fields
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.tty = sys.stderr.isatty() if progress is None else progress
        self._times: list[tuple[float, int]] = [(time.time(), start)]
        self.bar = None
        if self.tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                                TimeRemainingColumn(), console=Console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task(label, total=total, completed=start, info="")

    def speed(self, step: int) -> str:
        """Steps/s (and seconds an epoch) over the last ~100 updates."""
        self._times.append((time.time(), step))
        self._times = self._times[-100:]
        (t0, s0), (t1, s1) = self._times[0], self._times[-1]
        if s1 <= s0 or t1 <= t0:
            return ""
        rate = (s1 - s0) / (t1 - t0)
        return f"{rate:.2f} steps/s" + (f", {self.per_epoch / rate:.0f} s/epoch" if self.per_epoch else "")

    def update(self, step: int, *, force: bool = False, **values) -> None:
        """Show ``step`` with ``values``; off a terminal log every ``every`` steps (or when ``force``)."""
        shown = "  ".join(f"{k.replace('_', ' ')} {v:.3f}" if isinstance(v, float) else f"{k.replace('_', ' ')} {v}"
                          for k, v in values.items())
        info = f"{shown}  {self.speed(step)}"
        if self.bar is not None:
            self.bar.update(self.task, completed=step, info=info)
        elif force or step % self.every == 0:
            self.log(f"step {step} {info}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class DataParallel:
    """Data-parallel placement over every device JAX sees (a one-axis mesh named ``data``):
    training state on every device, each batch split along its batch axis. Under ``jax.jit``
    the step then runs on all devices at once and gives the one-device result (to float
    rounding) for the same global batch; with one device it changes nothing.

    >>> dp = DataParallel()                                        # doctest: +SKIP
    >>> state = dp.replicate(state)
    >>> state, loss = train_step(state, *dp.shard(x, labels), key)  # x: [batch, ...]
    """

    def __init__(self, batch_axis: int = 0) -> None:
        import jax
        import numpy as np
        from jax.sharding import Mesh, NamedSharding, PartitionSpec

        self.devices = len(jax.devices())
        mesh = Mesh(np.array(jax.devices()), ("data",))
        self.batch = NamedSharding(mesh, PartitionSpec(*([None] * batch_axis), "data"))
        self.state = NamedSharding(mesh, PartitionSpec())

    def check_batch(self, size: int, what: str = "batch") -> None:
        """A :class:`TrainingError` unless a batch of ``size`` splits evenly over the devices."""

        if size % self.devices:
            raise TrainingError(f"{what} {size} does not split over {self.devices} devices; use a multiple of "
                                f"{self.devices}.")

    def replicate(self, tree):
        """``tree`` (parameters, optimiser state) on every device."""
        import jax

        return jax.device_put(tree, self.state)

    def shard(self, *arrays):
        """Each of ``arrays`` (or each leaf of a dict of them) split along the batch axis."""
        import jax

        return tuple(jax.device_put(a, self.batch) for a in arrays)


def run_loop(*, title: str, step: int, total: int, elapsed: float, batch: Callable[[int], object],
             advance: Callable[[object, int], dict[str, float]], save: Callable[[int, float, bool], None],
             last, every: int, minutes: float, until: int | None = None, watch: str = "loss",
             after: Callable[[int, dict[str, float], float], tuple[dict, bool]] | None = None,
             prefetch: bool = False, per_epoch: int = 0, progress: bool | None = None,
             log: Callable[[str], None] | None = None, diverged_hint: str = "lower the learning rate in --config"
             ) -> tuple[int, float]:
    """The training loop every sonitus trainer runs; returns ``(step, train_seconds)``.

    From ``step`` to ``total``: ``advance(batch(step), step)`` runs one jitted update (the
    trainer keeps its state in a closure) and returns its metrics as floats; ``metrics[watch]``
    must stay finite. ``after(step, metrics, seconds)`` (optional) returns ``(fields to show,
    whether to show them now)`` and may record history or evaluate. ``save(step, seconds,
    final)`` writes the checkpoint: every ``every`` steps, every ``minutes``, at ``until``, at
    the end and on SIGTERM/Ctrl-C, after which the loop ends with ``KeyboardInterrupt`` (the
    run resumes from ``last``). ``prefetch`` builds the next batch in a thread while the
    current step runs. A progress bar on a terminal, else a log line every 50 steps.
    """
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))

    stop = StopSignal()
    bar = ProgressLine(title, total, step, progress=progress, per_epoch=per_epoch, log=log)
    clock = CheckpointClock(every, minutes, total, until)
    pool = pending = None
    if prefetch and step < total:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(1)
        pending = pool.submit(batch, step)
    try:
        while step < total:
            tic = time.time()
            if pending is not None:
                current = pending.result()
                pending = pool.submit(batch, step + 1) if step + 1 < total else None
            else:
                current = batch(step)
            metrics = advance(current, step)
            if not math.isfinite(metrics[watch]):
                raise TrainingError(f"Training diverged at step {step} ({watch} {metrics[watch]}); {diverged_hint}.")
            step += 1
            elapsed += time.time() - tic
            shown, force = after(step, metrics, elapsed) if after else ({watch: metrics[watch]}, False)
            bar.update(step, force=force, **shown)
            if clock.due(step, stop):
                save(step, elapsed, step == total)
                clock.saved()
            if clock.finished(step, stop):
                break
    finally:
        stop.restore()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        bar.close()
    stop.raise_if_requested(step, last, log)
    if step < total:
        log(f"stopped at step {step} of {total}; continue with --resume")
    return step, elapsed


def load_config(cls, path: str | None, **overrides):
    """An instance of the dataclass ``cls`` from a JSON file (any of its fields) and non-None
    ``overrides`` (command-line options win); unknown keys are an error that lists the known."""
    import json
    from dataclasses import fields
    from pathlib import Path

    data: dict = {}
    if path:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise SonitusError(f"Cannot read training config {path}: {exc}.") from exc
        if not isinstance(data, dict):
            raise SonitusError(f"Training config {path} must hold a JSON object of settings.")
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise SonitusError(f"Unknown training config keys {sorted(unknown)} in {path}; known: {sorted(names)}.")
    data.update({k: v for k, v in overrides.items() if v is not None})
    defaults = {f.name: f.default for f in fields(cls)}
    for key, value in data.items():
        _check_setting(key, value, defaults.get(key), path)
    return cls(**data)


#: the largest whole number a training setting may hold (steps, batch, sizes)
MAX_SETTING = 10**9


def _check_setting(key: str, value, default, path, *, noun: str = "Training setting",
                   error: type[SonitusError] = SonitusError) -> None:
    """A setting (``noun`` in the message, raised as ``error``) has the kind of its default and
    a sane size: whole numbers are whole (>= 1 where the default is, else >= 0) and at most
    :data:`MAX_SETTING`; numbers are finite and not negative; a nested dict (model sizes) is
    checked value by value."""
    import math

    where = f" in {path}" if path else ""
    if isinstance(value, dict):
        for inner, item in value.items():
            _check_setting(f"{key}.{inner}", item, None, path, noun=noun, error=error)
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            raise error(f"{noun} {key}{where} must be a number, not {value!r}.")
        return
    if not math.isfinite(value) or value < 0:
        raise error(f"{noun} {key}{where} must be a finite number >= 0, not {value!r}.")
    if isinstance(default, int) and not isinstance(default, bool):
        if value != int(value):
            raise error(f"{noun} {key}{where} must be a whole number, not {value!r}.")
        if value > MAX_SETTING or (default >= 1 and value < 1):
            raise error(f"{noun} {key}{where} must be between {1 if default >= 1 else 0} and "
                        f"{MAX_SETTING:,}, not {value!r}.")


class ConfigDict:
    """Mixin for the frozen dataclasses that size a model and travel in checkpoint headers.

    ``from_dict`` ignores keys the class does not know (a header written by a newer
    version still loads) and checks every value it keeps, before anything is allocated: the
    kind of its default, finite, not negative, and at most ``LIMITS[name]`` (sizes that would
    not fit in memory, or a header edited by hand, are refused). ``to_dict`` is the
    JSON-ready form.
    """

    #: the largest value each setting may hold (names not listed: MAX_SETTING)
    LIMITS: ClassVar[dict[str, float]] = {}

    @classmethod
    def from_dict(cls, data: dict, *, source: str | None = None):
        """The config from ``data``; a value out of range is a ParameterError that names the
        setting and ``source`` (the file it came from)."""
        from dataclasses import MISSING, fields

        known = {f.name: f.default for f in fields(cls)}
        kept = {k: v for k, v in data.items() if k in known}
        for key, value in kept.items():
            default = known[key]
            _check_setting(key, value, None if default is MISSING else default, source, noun="Model setting",
                           error=ParameterError)
            limit = cls.LIMITS.get(key)
            if limit is not None and isinstance(value, (int, float)) and value > limit:
                where = f" in {source}" if source else ""
                raise ParameterError(f"Model setting {key}{where} is {value!r}; the most {cls.__name__} allows is "
                                     f"{limit:,} (a model that large would not fit in memory).")
        return cls(**kept)

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


class LoadableConfig:
    """Mixin for training-settings dataclasses: ``load(path, **overrides)`` (see :func:`load_config`)."""

    @classmethod
    def load(cls, path: str | None, **overrides):
        """Settings from a JSON file (``--config``) with command-line ``overrides``."""
        return load_config(cls, path, **overrides)
