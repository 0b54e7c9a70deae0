"""Built-in dataset plugin ``tts-speech``: synthetic English speech for training and evaluation.

Sentences come from offline sources (Debian ``fortunes``, the ``wamerican`` word list,
spelt-out numbers and dates), normalised to lower case with no punctuation but
apostrophes. Training speech comes from espeak-ng (English voices x variants, random rate,
pitch, amplitude and word gap), its MBROLA voices and SVOX Pico (where installed: ``make
asr-data``). The dev split is spoken only by voices never heard in training: held-out
espeak-ng variants, MBROLA ``us3`` and the whole Festival engine (``kal``, ``ked``).

>>> from sonitus import get_registry                      # doctest: +SKIP
>>> ds = get_registry().dataset("tts-speech", root="asr-data")
>>> ds.build(train=10000, dev=360)                         # resumable
>>> ds.manifest("dev")                                     # path<TAB>transcript lines

CLI: ``sonitus generate tts-speech --root asr-data --train 10000 --dev 360 --jobs 2``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import click
from sonitus import hookimpl
from sonitus.cli.types import SEED, count
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
        from ._build import build

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

    def text(self) -> list[str]:
        """Every training sentence (the text an n-gram LM is built from)."""
        path = self.folder / "text" / "train.txt"
        return path.read_text(encoding="utf-8").split("\n") if path.exists() else []


@hookimpl
def register_datasets(register):
    register("tts-speech", TTSSpeech,
             description="Synthetic English speech (espeak-ng, Festival) with held-out dev voices.")


@click.command("tts-speech")
@click.option("--root", default=default_root, show_default="$SONITUS_ASR_DATA or ~/.local/share/sonitus/asr",
              help="Folder for wavs and manifests.")
@click.option("--train", "n_train", default=10000, show_default=True, help="Training utterances.")
@click.option("--dev", "n_dev", default=360, show_default=True, help="Dev utterances (held-out voices).")
@click.option("--jobs", type=count(1, 64), default=2, show_default=True, help="Parallel synthesis processes.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--variety", default=0, show_default=True, type=click.IntRange(0, 1),
              help="1: most espeak-ng voices become made-up speakers (random formants, pitch, Klatt), "
                   "MBROLA speaks over a wider pitch and rate range. Same sentences and dev voices as 0.")
@click.option("--force", is_flag=True, help="Allow fewer utterances than the folder already lists.")
def generate_tts_speech(root: str, n_train: int, n_dev: int, jobs: int, seed: int, variety: int,
                        force: bool) -> None:
    """Synthesise the tts-speech corpus (resumable: re-run to complete or extend it).

    \b
    Training voices: espeak-ng, its MBROLA voices and SVOX Pico (the last two from Debian's
    contrib/non-free components: run 'make asr-data' once). Dev voices are never heard in
    training: held-out espeak-ng variants, MBROLA us3 and the whole Festival engine.
    """
    from sonitus.tts import mbrola_voices, pico_voices

    missing = [name for name, ok in (("MBROLA voices", mbrola_voices()), ("SVOX Pico", pico_voices())) if not ok]
    if missing:
        click.echo(f"note: {' and '.join(missing)} not installed, so espeak-ng speaks their share; "
                   "'make asr-data' installs them.", err=True)
    out = TTSSpeech(root, seed, variety).build(train=n_train, dev=n_dev, jobs=jobs, force=force)
    for split, path in out.items():
        click.echo(f"{split}: {path} ({sum(1 for _ in open(path))} utterances)")


@hookimpl
def register_commands(cli):
    cli.commands["generate"].add_command(generate_tts_speech, "tts-speech")
