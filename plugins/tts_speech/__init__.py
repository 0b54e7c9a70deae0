"""Built-in dataset plugin ``tts-speech``: synthetic English speech for training and evaluation.

Sentences come from offline sources (Debian ``fortunes``, the ``wamerican`` word list,
spelt-out numbers and dates), normalised to lower case with no punctuation but
apostrophes. They are spoken by espeak-ng (English voices x variants, random rate, pitch,
amplitude and word gap) and Festival diphone voices. A dev split uses only voices held out
of training: espeak-ng variants ``DEV_VARIANTS`` and the Festival voice ``DEV_FESTIVAL``.

>>> from sonitus import get_registry                      # doctest: +SKIP
>>> ds = get_registry().dataset("tts-speech", root="/work/data/asr")
>>> ds.build(train=10000, dev=360)                         # resumable
>>> ds.manifest("dev")                                     # path<TAB>transcript lines

CLI: ``sonitus generate tts-speech --root /work/data/asr --train 10000 --dev 360 --jobs 2``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import click

from sonitus import hookimpl
from sonitus.errors import SonitusError

__all__ = ["TTSSpeech", "read_manifest"]

DEFAULT_ROOT = os.environ.get("SONITUS_ASR_DATA", "/work/data/asr")


def read_manifest(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """Read a ``path<TAB>transcript`` manifest; relative paths resolve against its folder."""
    path = Path(path)
    if not path.exists():
        raise SonitusError(f"Manifest {path} does not exist; build it with 'sonitus generate tts-speech'.")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if "\t" not in line:
            raise SonitusError(f"{path}:{n}: expected 'path<TAB>transcript'.")
        audio, text = line.split("\t", 1)
        audio_path = Path(audio)
        if not audio_path.is_absolute():
            audio_path = path.parent / audio_path
        rows.append((str(audio_path), text.strip()))
    return rows


@dataclass(frozen=True)
class TTSSpeech:
    """The synthetic speech corpus under ``root``; :meth:`build` makes or completes it."""

    root: str = DEFAULT_ROOT
    seed: int = 0

    def build(self, *, train: int = 10000, dev: int = 360, jobs: int = 2, progress: bool = True) -> dict[str, Path]:
        """Synthesise missing utterances (parallel, resumable) and write the manifests."""
        from ._build import build

        return build(self.root, train=train, dev=dev, seed=self.seed, jobs=jobs, progress=progress)

    def manifest(self, split: str = "train") -> Path:
        """The manifest path of a split ('train' or 'dev')."""
        return Path(self.root) / f"{split}.tsv"

    def items(self, split: str = "train") -> list[tuple[str, str]]:
        """``(wav path, transcript)`` pairs of a split."""
        return read_manifest(self.manifest(split))

    def text(self) -> list[str]:
        """Every training sentence (the text an n-gram LM is built from)."""
        path = Path(self.root) / "text" / "train.txt"
        return path.read_text(encoding="utf-8").split("\n") if path.exists() else []


@hookimpl
def register_datasets(register):
    register("tts-speech", TTSSpeech,
             description="Synthetic English speech (espeak-ng, Festival) with held-out dev voices.")


@click.command("tts-speech")
@click.option("--root", default=DEFAULT_ROOT, show_default=True, help="Folder for wavs and manifests.")
@click.option("--train", "n_train", default=10000, show_default=True, help="Training utterances.")
@click.option("--dev", "n_dev", default=360, show_default=True, help="Dev utterances (held-out voices).")
@click.option("--jobs", default=2, show_default=True, help="Parallel synthesis processes.")
@click.option("--seed", default=0, show_default=True)
def generate_tts_speech(root: str, n_train: int, n_dev: int, jobs: int, seed: int) -> None:
    """Synthesise the tts-speech corpus (resumable; re-run to complete it)."""
    out = TTSSpeech(root, seed).build(train=n_train, dev=n_dev, jobs=jobs)
    for split, path in out.items():
        click.echo(f"{split}: {path} ({sum(1 for _ in open(path))} utterances)")


@hookimpl
def register_commands(cli):
    cli.commands["generate"].add_command(generate_tts_speech, "tts-speech")
