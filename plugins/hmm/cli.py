"""``sonitus train hmm-words`` and ``sonitus eval hmm-words``."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import click
from sonitus.cli.types import SEED, count


def _load_clips(rows):
    from sonitus import Audio
    from sonitus.progress import track

    return [Audio.load(path) for path, _ in track(rows, description="reading clips", total=len(rows))]


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
    from sonitus.progress import track

    from .data import build, read_manifest
    from .words import FEATURES, WordModels, extract_features, train_word

    if make_data:
        build(data, train_per_word=per_word, seed=seed)
    rows = read_manifest(data / "train.tsv")
    start = time.perf_counter()
    clips = _load_clips(rows)
    if speed_perturb:
        clips, rows = clips + _perturbed(clips, speed_perturb, seed), rows + rows
    features, _ = extract_features(clips)
    by_word: dict[str, list] = {}
    for (_, word), f in zip(rows, features):
        by_word.setdefault(word, []).append(f)
    models = {}
    for word in track(sorted(by_word), description="training word models", total=len(by_word)):
        models[word] = train_word(by_word[word], n_states=states, n_mix=mix, n_iter=iterations, seed=seed)
    bundle = WordModels.from_models(models, FEATURES)
    accuracy = _accuracy(bundle, features, [w for _, w in rows])
    bundle.save(out, step=iterations, seed=seed, train_clips=len(rows), train_accuracy=accuracy,
                states=states, mix=mix)
    click.echo(f"trained {len(models)} word models on {len(rows)} clips in {time.perf_counter() - start:.0f} s; "
               f"training accuracy {accuracy:.1%}; wrote {out}")


def _perturbed(clips, amount: float, seed: int):
    """Each clip played faster or slower (pitch and formants move with it), back at its own rate."""
    import numpy as np
    from sonitus import Audio

    rng = np.random.default_rng(seed)
    out = []
    for clip in clips:
        factor = 1 + rng.uniform(-amount, amount)
        stretched = clip.resample(int(round(clip.sample_rate * factor)))
        out.append(Audio(stretched.samples, clip.sample_rate))
    return out


def _accuracy(bundle, features, truth) -> float:
    scores = bundle.log_likelihoods(features)
    predicted = [bundle.words[i] for i in scores.argmax(axis=1)]
    return sum(p == t for p, t in zip(predicted, truth)) / len(truth)


@click.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option("--model", type=click.Path(path_type=Path), help="Checkpoint (default: the shipped model).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def eval_hmm_words(manifest: Path, model: Path | None, as_json: bool) -> None:
    """Accuracy of the word recogniser on MANIFEST (path<TAB>word lines), with the commonest confusions."""
    from .data import read_manifest
    from .words import WordModels

    rows = read_manifest(manifest)
    bundle = WordModels.load(model)
    clips = _load_clips(rows)
    start = time.perf_counter()
    results = bundle.recognize(clips)
    seconds = time.perf_counter() - start
    truth = [w for _, w in rows]
    predicted = [r.text for r in results]
    correct = sum(p == t for p, t in zip(predicted, truth))
    confusions = Counter((t, p) for t, p in zip(truth, predicted) if t != p).most_common(5)
    audio_seconds = sum(c.duration for c in clips)
    report = {"clips": len(rows), "accuracy": correct / len(rows), "real_time_factor": seconds / audio_seconds,
              "confusions": [{"said": t, "heard": p, "count": n} for (t, p), n in confusions]}
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{correct}/{len(rows)} correct: accuracy {report['accuracy']:.1%} "
               f"(real-time factor {report['real_time_factor']:.3f})")
    for (t, p), n in confusions:
        click.echo(f"  '{t}' heard as '{p}': {n}")
