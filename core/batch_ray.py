"""The Ray backend of ``sonitus batch``: the same rows, computed by a pool of Ray workers.

Each worker (a Ray actor) rebuilds the pipeline once from its recipe (registered stage names
and options, sent as JSON text: no pipeline object travels) and is given whole batches of
paths, so a model loads once a worker, not once a file, and stages with ``map`` see
batches. Workers write the audio, MIDI and feature outputs themselves: on a cluster, the
output folder must be on a filesystem that every node sees. The driver appends each row to the JSONL file as it
arrives, so a killed run resumes like a local one.

Needs ``pip install 'sonitus[ray]'``. With no ``address`` a local Ray is started for the run
(as many workers as CPUs) and stopped after it; with ``address`` (``"auto"`` or
``"ray://host:10001"``) the run joins that cluster and leaves it running.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .batch_rows import run_batch, runnable_for
from .errors import ParameterError, SonitusError
from .pipeline import Pipeline
from .recipes import pipeline_from_recipe, pipeline_recipe

__all__ = ["pipeline_recipe", "pipeline_from_recipe", "start_ray", "ray_rows"]


class _Worker:
    """One Ray actor: builds the pipeline on its first batch (once), then turns batches of
    paths into JSON rows."""

    def __init__(self) -> None:
        self.recipe: str | None = None

    def rows(self, paths: list[str], recipe: str, files: str) -> list[tuple[str, dict[str, Any]]]:
        """``(path, row)`` for each path of one batch."""
        if recipe != self.recipe:
            pipeline = pipeline_from_recipe(recipe)
            self.runnable, self.recipe = runnable_for(pipeline), recipe
        return [(str(p), row) for p, row in run_batch(self.runnable, [Path(p) for p in paths], Path(files))]


def _check_reachable(address: str) -> None:
    """A clear error now for a cluster address where nothing listens (``ray.init`` would retry
    for minutes)."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ParameterError(f"--address {address!r}: expected 'auto', 'host:port' or 'ray://host:port'.")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as exc:
        raise SonitusError(f"nothing answers at {address} ({exc.strerror or exc}); start the cluster there "
                           f"('ray start --head'), or leave out --address for a local Ray.") from None


def _import_ray():
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise ParameterError("the ray backend needs Ray: pip install 'sonitus[ray]' (or use --backend local).") from None
    return ray, ActorPool


def start_ray(*, address: str | None = None, workers: int | None = None) -> bool:
    """Start a quiet local Ray (``workers`` CPUs, default all) or join the cluster at
    ``address``, unless Ray is running in this process already; returns whether it started
    one (the caller then shuts it down)."""
    ray, _ = _import_ray()
    # Ray's notices (token authentication and the like) are not the user's business; errors show
    logging.getLogger("ray").setLevel(logging.ERROR)
    if ray.is_initialized():
        return False
    if address not in (None, "auto", "local"):
        _check_reachable(address)
    try:
        with warnings.catch_warnings():
            # Ray starts its services with subprocess (fork, then exec at once): safe beside JAX's threads
            warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                     num_cpus=workers if address is None else None)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise SonitusError(f"cannot start or reach Ray{f' at {address}' if address else ''}: "
                           f"{' '.join(str(exc).split())[:300]}") from None
    return True


def ray_rows(pipeline: Pipeline, paths: Sequence[Path], files: Path, *, batch_size: int = 16,
             address: str | None = None, workers: int | None = None) -> Iterator[tuple[Path, dict[str, Any]]]:
    """``(path, row)`` for each of ``paths``, in the order Ray finishes them (see the module doc)."""
    recipe = pipeline_recipe(pipeline)
    if not paths:
        return
    ray, ActorPool = _import_ray()
    started = start_ray(address=address, workers=workers)
    try:
        count = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        # a worker that dies ends the run with an error (rerun to resume) instead of a silent restart
        actor = ray.remote(num_cpus=1, max_restarts=0)(_Worker)
        pool = ActorPool([actor.remote() for _ in range(count)])
        batches = [[str(p) for p in paths[i:i + batch_size]] for i in range(0, len(paths), batch_size)]
        for rows in pool.map_unordered(lambda worker, batch: worker.rows.remote(batch, recipe, str(files)), batches):
            for path, row in rows:
                yield Path(path), row
    finally:
        if started:
            ray.shutdown()
