"""Read CTranslate2's ``model.bin`` (the layout faster-whisper models ship in) without CTranslate2.

The file is a documented binary layout, parsed here field by field; nothing is unpickled and
every size is checked against the file before an array is made:

    uint32 version (5 or 6) | string spec name | uint32 revision | uint32 n_variables
    n_variables x (string name | uint8 rank | uint32 dims[rank] | uint8 dtype | uint32 n_bytes | data)
    uint32 n_aliases | n_aliases x (string alias | string target)

where a string is ``uint16 length`` (counting a final NUL) then UTF-8 bytes.

>>> model = read_ct2("faster-whisper-tiny.en/model.bin")          # doctest: +SKIP
>>> model.spec, model.variables["encoder/conv1/weight"].shape
('WhisperSpec', (384, 80, 3))
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import CheckpointError

__all__ = ["CT2Model", "read_ct2", "dequantize"]

#: CTranslate2's DataType enum, in its order
_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")
_VERSIONS = (5, 6)


class CT2Model(NamedTuple):
    """The variables of a ``model.bin``: ``spec`` (e.g. ``"WhisperSpec"``), its ``revision``, and
    ``variables`` by name (aliases resolved; arrays are read-only views or small copies, bfloat16
    widened to float32)."""

    spec: str
    revision: int
    variables: dict[str, np.ndarray]


class _Reader:
    def __init__(self, buffer, path: Path):
        self.buffer, self.path, self.offset = buffer, path, 0

    def fail(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.path} is not a CTranslate2 model file ({what} at byte {self.offset}); "
                               "give the model.bin of a CTranslate2 / faster-whisper model folder.")

    def take(self, n: int):
        if n < 0 or self.offset + n > len(self.buffer):
            raise self.fail(f"{n} bytes wanted, the file ends first")
        start = self.offset
        self.offset += n
        return self.buffer[start:self.offset]

    def unpack(self, fmt: str):
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))[0]

    def string(self) -> str:
        raw = bytes(self.take(self.unpack("H")))
        if not raw or raw[-1] != 0:
            raise self.fail("a name without its final NUL")
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail("a name that is not UTF-8") from exc


def _array(raw, dtype: str, dims: tuple[int, ...]) -> np.ndarray:
    if dtype == "bfloat16":
        wide = np.frombuffer(raw, np.uint16).astype(np.uint32) << 16
        return wide.view(np.float32).reshape(dims)
    return np.frombuffer(raw, np.dtype(dtype).newbyteorder("<")).reshape(dims)


def read_ct2(path: str | Path) -> CT2Model:
    """Parse a CTranslate2 ``model.bin`` (binary versions 5 and 6).

    Raises:
        CheckpointError: the file is missing, truncated, or its header lies (a size that does
            not match its shape, a dtype or version this reader does not know).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist or is not a file; give the model.bin of a "
                              "CTranslate2 model folder.")
    with open(path, "rb") as f:
        try:
            buffer = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError as exc:  # an empty file cannot be mapped
            raise CheckpointError(f"{path} is empty; it is not a CTranslate2 model file.") from exc
    r = _Reader(memoryview(buffer), path)
    version = r.unpack("I")
    if version not in _VERSIONS:
        raise r.fail(f"binary version {version}, this reader knows {_VERSIONS}")
    spec = r.string()
    revision = r.unpack("I")
    variables: dict[str, np.ndarray] = {}
    for _ in range(r.unpack("I")):
        name = r.string()
        dims = tuple(r.unpack("I") for _ in range(r.unpack("B")))
        code = r.unpack("B")
        if code >= len(_DTYPES):
            raise r.fail(f"unknown dtype code {code} for {name}")
        dtype = _DTYPES[code]
        n_bytes = r.unpack("I")
        expected = int(np.prod(dims, dtype=np.int64)) * (2 if dtype == "bfloat16" else np.dtype(dtype).itemsize)
        if n_bytes != expected:
            raise r.fail(f"{name} says {n_bytes} bytes for shape {dims} of {dtype}")
        variables[name] = _array(r.take(n_bytes), dtype, dims)
    for _ in range(r.unpack("I")):
        alias, target = r.string(), r.string()
        if target not in variables:
            raise r.fail(f"alias {alias} names {target}, which the file does not hold")
        variables[alias] = variables[target]
    return CT2Model(spec, revision, variables)


def dequantize(variables: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Variable ``name`` as float32, undoing CTranslate2's int8/int16 quantisation (a
    ``<name>_scale`` beside it: per output row for int8, one number for int16)."""
    value = variables[name]
    scale = variables.get(name + "_scale")
    if scale is None or value.dtype.kind == "f":
        return np.asarray(value, np.float32)
    scale = np.asarray(scale, np.float32)
    return value.astype(np.float32) / (scale[:, None] if scale.ndim == 1 else scale)
