"""Where a training run starts, for every trainer: fresh, ``--resume`` (the run's own
``last.ckpt``, continued exactly) or ``--init`` (a model checkpoint: the next round of a
campaign, with fresh optimiser state). Each round is recorded in the checkpoint's header, so
that a shipped model says how many steps and hours it took across sessions.

>>> ckpt = resume_checkpoint(out / "last.ckpt", model="sonitus-ctc")       # doctest: +SKIP
>>> step, history, seconds = progress_of(ckpt)
>>> ckpt = init_checkpoint("shipped.ckpt", model="sonitus-ctc", config_cls=ModelConfig, config=mc)
>>> header["rounds"] = rounds_after(ckpt)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .checkpoints import Checkpoint, load_checkpoint
from .errors import CheckpointError

__all__ = ["resume_checkpoint", "init_checkpoint", "progress_of", "rounds_after", "training_model"]


def training_model(model: str) -> str:
    """The model name a training checkpoint (``last.ckpt``: weights and optimiser state) carries."""
    return model + "-train"


def resume_checkpoint(last: str | os.PathLike[str], *, model: str, header: dict | None = None) -> Checkpoint:
    """The training checkpoint ``--resume`` continues; a sentence when there is none or it holds
    another model. The run's earlier rounds are carried into ``header["rounds"]`` (the header the
    resumed run will write), so that resuming never loses them."""
    last = Path(last)
    if not last.exists():
        raise CheckpointError(f"--resume: {last} does not exist; start without --resume.")
    ckpt = load_checkpoint(last, model=training_model(model))
    if header is not None:
        header["rounds"] = list(ckpt.header.get("rounds", []))
    return ckpt


def init_checkpoint(path: str | os.PathLike[str], *, model: str, config_cls: type, config: Any) -> Checkpoint:
    """The model (or training) checkpoint ``--init`` starts a new round from: it must hold
    ``model``, built with this run's ``config`` (checked before any weight is read into it)."""
    ckpt = load_checkpoint(path)
    if ckpt.header.get("model") not in (model, training_model(model)):
        raise CheckpointError(f"--init {path} holds a '{ckpt.header.get('model')}' model, not {model}.")
    if ckpt.model_config(config_cls) != config:
        raise CheckpointError(f"--init {path} has model config {ckpt.config}, but this run builds "
                              f"{config.to_dict()}; set 'model' in --config to match it.")
    return ckpt


def progress_of(ckpt: Checkpoint) -> tuple[int, list, float]:
    """``(step, history, training seconds)`` of a resumed training checkpoint."""
    return ckpt.step, list(ckpt.header.get("history", [])), float(ckpt.header.get("train_seconds", 0.0))


def rounds_after(ckpt: Checkpoint, **extra: Any) -> list[dict[str, Any]]:
    """The ``rounds`` header of a run initialised from ``ckpt``: its earlier rounds, then itself
    (steps, training seconds and ``extra``)."""
    return list(ckpt.header.get("rounds", [])) + [
        {"steps": ckpt.step, "train_seconds": ckpt.header.get("train_seconds", 0.0), **extra}]
