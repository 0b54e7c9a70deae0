"""The ``tts-speech`` dataset: where the synthetic speech corpus lives, and its manifests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sonitus.manifests import read_manifest

__all__ = ["TTSSpeech", "default_root"]

def default_root() -> str:
    """``$SONITUS_ASR_DATA``, else ``$XDG_DATA_HOME/sonitus/asr`` (``~/.local/share/sonitus/asr``)."""
    if os.environ.get("SONITUS_ASR_DATA"):
        return os.environ["SONITUS_ASR_DATA"]
    data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data_home, "sonitus", "asr")


#: how to make a missing tts-speech manifest, for error messages
MAKE_HINT = "build it with 'sonitus generate tts-speech' (or 'make asr-data')"


@dataclass(frozen=True)
class TTSSpeech:
    """The synthetic speech corpus under ``root`` (default: :func:`default_root`); :meth:`build`
    makes or completes it."""

    root: str | None = None
    seed: int = 0
    variety: int = 0

    def build(self, *, train: int = 10000, dev: int = 360, jobs: int = 2, progress: bool = True,
              force: bool = False) -> dict[str, Path]:
        """Synthesise missing utterances (parallel, resumable) and write the manifests.

        An existing corpus is extended, never shrunk unless ``force``."""
        from .build import build

        return build(self.folder, train=train, dev=dev, seed=self.seed, variety=self.variety, jobs=jobs,
                     progress=progress, force=force)

    @property
    def folder(self) -> Path:
        """Where the corpus lives."""
        return Path(self.root or default_root())

    def manifest(self, split: str = "train") -> Path:
        """The manifest path of a split ('train' or 'dev')."""
        return self.folder / f"{split}.tsv"

    def items(self, split: str = "train") -> list[tuple[str, str]]:
        """``(wav path, transcript)`` pairs of a split."""
        return read_manifest(self.manifest(split), make_hint=MAKE_HINT)

    def load(self, *, progress: bool = True) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """``(train, dev)`` as ``(wav path, transcript)`` pairs; a corpus not built yet is an error
        that says how to build it (synthesis takes hours: it is never started unasked)."""
        return self.items("train"), self.items("dev")

    def text(self) -> list[str]:
        """Every training sentence (the text an n-gram LM is built from)."""
        path = self.folder / "text" / "train.txt"
        return path.read_text(encoding="utf-8").split("\n") if path.exists() else []
