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

import errno
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import atomic_write_bytes
from .errors import CheckpointError, ParameterError

__all__ = ["Checkpoint", "save_checkpoint", "load_checkpoint", "read_header", "MAGIC"]

MAGIC = b"SONITUS-CKPT\x01\n"


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint: its JSON ``header`` and its ``state`` (nested dict of NumPy arrays)."""

    header: dict[str, Any]
    state: dict[str, Any]
    #: the file it was read from ("" when built in memory)
    path: str = ""

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.header.get("config", {}))

    def model_config(self, cls):
        """The header's config as ``cls`` (a :class:`sonitus.training.ConfigDict`), every size
        checked against ``cls.LIMITS`` before anything is built: a CheckpointError names the
        file and the setting."""

        config = self.header.get("config", {})
        if not isinstance(config, dict):
            raise CheckpointError(f"Checkpoint {self.path}: its header's config is not a JSON object; "
                                  "re-export or retrain it.")
        try:
            return cls.from_dict(config)
        except (ParameterError, TypeError) as exc:
            raise CheckpointError(f"Checkpoint {self.path or '(in memory)'} cannot be used: {exc}") from None

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


#: the largest checkpoint sonitus reads (bytes), and the largest JSON header in one
MAX_CHECKPOINT_BYTES = 8 * 2**30
MAX_HEADER_BYTES = 16 * 2**20


def _split(path: Path, *, body: bool = True) -> tuple[dict[str, Any], bytes]:
    import stat

    try:
        st = path.stat()
    except OSError as exc:
        raise CheckpointError(f"Checkpoint {path} does not exist; check the path or train a model first."
                              if exc.errno in (errno.ENOENT, errno.ENOTDIR) else
                              f"Checkpoint {path} cannot be read ({exc.strerror}).") from None
    if stat.S_ISDIR(st.st_mode):
        found = sorted(path.glob("*.ckpt"))
        hint = f" such as {found[0]}" if found else ""
        raise CheckpointError(f"{path} is a folder; give a checkpoint file{hint}.")
    if not stat.S_ISREG(st.st_mode):
        raise CheckpointError(f"{path} is not a file (a FIFO or a device); give a checkpoint file.")
    if st.st_size > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(f"{path} is {st.st_size / 2**30:.1f} GiB, more than any sonitus checkpoint "
                              f"({MAX_CHECKPOINT_BYTES / 2**30:.0f} GiB); is it the right file?")
    with open(path, "rb") as f:
        lead = f.read(len(MAGIC) + 8)
        if not lead.startswith(MAGIC) or len(lead) < len(MAGIC) + 8:
            raise CheckpointError(f"{path} is not a sonitus checkpoint (bad magic bytes).")
        (size,) = struct.unpack("<Q", lead[len(MAGIC):])
        if size > MAX_HEADER_BYTES or len(lead) + size > st.st_size:
            raise CheckpointError(f"Checkpoint {path} is truncated or its header length is corrupt; re-copy it or "
                                  "resume from an older one.")
        raw = f.read(size)
        rest = f.read() if body else b""
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = "it nests too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise CheckpointError(f"Checkpoint {path} has a corrupt header: {reason}.") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"Checkpoint {path} has a corrupt header: not a JSON object.")
    return header, rest


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read only the JSON header of a checkpoint (the weights are not read)."""
    return _split(Path(path), body=False)[0]


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
    return Checkpoint(header, state, str(path))
