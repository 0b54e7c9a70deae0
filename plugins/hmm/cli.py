"""``sonitus train hmm-words`` and ``sonitus eval hmm-words``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from sonitus.cli.types import SEED, count


@click.command()
@click.option("--data", type=click.Path(path_type=Path), default=Path("data/hmm-words"), show_default=True,
              help="Folder holding train.tsv (path<TAB>word lines) and the clips.")
@click.option("--make-data/--no-make-data", default=True, show_default=True,
              help="Synthesise the spoken-word set into --data first (cached; needs espeak-ng and Festival).")
@click.option("--per-word", default=60, show_default=True, help="Training clips per word to synthesise.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("hmm-words.ckpt"), show_default=True,
              help="Checkpoint to write (atomically).")
@click.option("--states", default=8, show_default=True, help="HMM states per word (left to right).")
@click.option("--mix", default=2, show_default=True, help="Gaussian mixtures per state.")
@click.option("--iterations", type=count(1, 1000), default=10, show_default=True, help="Baum-Welch iterations.")
@click.option("--speed-perturb", default=0.0, show_default=True,
              help="Add one speed-perturbed copy of every clip, speed drawn from 1 +/- this (e.g. 0.12); "
                   "shifts pitch and formants like a different speaker.")
@click.option("--seed", type=SEED, default=0, show_default=True)
def train_hmm_words(data: Path, make_data: bool, per_word: int, out: Path, states: int, mix: int, iterations: int,
                    speed_perturb: float, seed: int) -> None:
    """Train one GMM-HMM per word from labelled clips and save a checkpoint.

    \b
    Reproduce the shipped model:
      sonitus train hmm-words --data data/hmm-words --out plugins/hmm/weights/hmm-words.ckpt
    """
    from .data import build, read_manifest
    from .train import train_words

    if make_data:
        build(data, train_per_word=per_word, seed=seed)
    rows = read_manifest(data / "train.tsv")
    start = time.perf_counter()
    bundle, accuracy = train_words(rows, out, states=states, mix=mix, iterations=iterations,
                                   speed_perturb=speed_perturb, seed=seed)
    clips = len(rows) * (2 if speed_perturb else 1)
    click.echo(f"trained {len(bundle.words)} word models on {clips} clips in {time.perf_counter() - start:.0f} s; "
               f"training accuracy {accuracy:.1%}; wrote {out}")


@click.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("--model", type=click.Path(path_type=Path), help="Checkpoint (default: the shipped model).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def eval_hmm_words(manifest: Path, model: Path | None, as_json: bool) -> None:
    """Accuracy of the word recogniser on MANIFEST (path<TAB>word lines), with the commonest confusions."""
    from .data import read_manifest
    from .evaluate import evaluate_words

    report = evaluate_words(read_manifest(manifest), model)
    correct, confusions = report.pop("correct"), report["confusions"]
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{correct}/{report['clips']} correct: accuracy {report['accuracy']:.1%} "
               f"(real-time factor {report['real_time_factor']:.3f})")
    for c in confusions:
        click.echo(f"  '{c['said']}' heard as '{c['heard']}': {c['count']}")
