"""``sonitus generate tts-speech``: synthesise the corpus."""

from __future__ import annotations

import click
from sonitus.cli.types import SEED, count

from .dataset import TTSSpeech, default_root

__all__ = ["generate_tts_speech"]


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
