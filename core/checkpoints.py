"""Safe checkpoints: a JSON header plus msgpack-encoded arrays. Never pickle.

A file holds ``MAGIC``, an 8-byte little-endian header length, a UTF-8 JSON header
(``model``, ``version``, ``config``, ``step``, anything else the writer adds) and the state
as a nested dictionary of arrays serialised with :mod:`flax.serialization`'s msgpack codec.
Writes are atomic, so an interrupted save leaves the previous checkpoint intact.

>>> import numpy as np, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "m.ckpt")
>>> _ = save_checkpoint(path, {"w": np.ones(3)}, model="demo", config={"size": 3})
>>> ckpt = load_checkpoint(path, model="demo")
>>> ckpt.header["config"], ckpt.state["w"].tolist()
({'size': 3}, [1.0, 1.0, 1.0])
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import atomic_write_bytes
from .errors import CheckpointError

__all__ = ["Checkpoint", "save_checkpoint", "load_checkpoint", "read_header", "MAGIC"]

MAGIC = b"SONITUS-CKPT\x01\n"


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint: its JSON ``header`` and its ``state`` (nested dict of NumPy arrays)."""

    header: dict[str, Any]
    state: dict[str, Any]

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.header.get("config", {}))

    @property
    def step(self) -> int:
        return int(self.header.get("step", 0))


def save_checkpoint(path: str | os.PathLike[str], state: Any, *, model: str, config: dict | None = None,
                    step: int = 0, version: int = 1, **extra: Any) -> Path:
    """Write ``state`` (a pytree of arrays, e.g. Flax params or an Optax state) atomically.

    Args:
        path: the file to write.
        state: anything :func:`flax.serialization.to_state_dict` accepts.
        model: the model's name, checked again on load.
        config: JSON-serialisable hyper-parameters needed to rebuild the model.
        step: the training step reached.
        version: the format version of this model's state.
        **extra: more JSON-serialisable header fields (metrics, seed, ...).
    """
    import jax
    import numpy as np
    from flax import serialization

    header = {"model": model, "version": version, "config": config or {}, "step": int(step), **extra}
    try:
        header_bytes = json.dumps(header, sort_keys=True).encode("utf-8")
    except TypeError as exc:
        raise CheckpointError(f"The checkpoint header for '{model}' is not JSON-serialisable: {exc}.") from exc
    state_dict = jax.tree_util.tree_map(np.asarray, serialization.to_state_dict(state))
    body = serialization.msgpack_serialize(state_dict)
    return atomic_write_bytes(path, MAGIC + struct.pack("<Q", len(header_bytes)) + header_bytes + body)


def _split(path: Path) -> tuple[dict[str, Any], bytes]:
    if not path.exists():
        raise CheckpointError(f"Checkpoint {path} does not exist; check the path or train a model first.")
    if path.is_dir():
        found = sorted(path.glob("*.ckpt"))
        hint = f" such as {found[0]}" if found else ""
        raise CheckpointError(f"{path} is a folder; give a checkpoint file{hint}.")
    data = path.read_bytes()
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 8:
        raise CheckpointError(f"{path} is not a sonitus checkpoint (bad magic bytes).")
    (size,) = struct.unpack("<Q", data[len(MAGIC):len(MAGIC) + 8])
    start = len(MAGIC) + 8
    if start + size > len(data):
        raise CheckpointError(f"Checkpoint {path} is truncated; re-copy it or resume from an older one.")
    try:
        header = json.loads(data[start:start + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"Checkpoint {path} has a corrupt header: {exc}.") from exc
    return header, data[start + size:]


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read only the JSON header of a checkpoint."""
    return _split(Path(path))[0]


def load_checkpoint(path: str | os.PathLike[str], *, model: str | None = None,
                    keys: tuple[str, ...] = ()) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint`.

    Args:
        path: the file.
        model: if given, the header's model name must match it.
        keys: top-level entries the state must have (e.g. ``("params",)``).

    Raises:
        CheckpointError: missing, not a checkpoint, truncated, corrupt, or another model's.
    """
    from flax import serialization

    path = Path(path)
    header, body = _split(path)
    if model is not None and header.get("model") != model:
        raise CheckpointError(f"{path} holds a '{header.get('model')}' model, not a '{model}' one.")
    try:
        state = serialization.msgpack_restore(body)
    except Exception as exc:
        raise CheckpointError(f"Checkpoint {path} has a corrupt body ({type(exc).__name__}); "
                              f"re-copy it or resume from an older one.") from exc
    missing = [key for key in keys if not isinstance(state, dict) or key not in state]
    if missing:
        raise CheckpointError(f"Checkpoint {path} has no {', '.join(map(repr, missing))} in it: it is not a complete "
                              f"'{header.get('model')}' checkpoint; re-export or retrain it.")
    return Checkpoint(header, state)
