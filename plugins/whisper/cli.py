"""CLI: ``sonitus train whisper`` (fine-tuning on a user's recordings)."""

from __future__ import annotations

import json

import click
from sonitus.cli.types import SEED, count


@click.command("whisper")
@click.option("--data", required=True, multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Manifest of path<TAB>transcript lines (utterances of at most 30 s); repeat to add more.")
@click.option("--dev", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Manifest for word error rate before and after.")
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False),
              help="Model folder to write (transcribe --model OUT loads it); also holds the run's state.")
@click.option("--init", default=None, help="The model to start from: tiny.en (default), base, or a Whisper folder.")
@click.option("--steps", type=count(1), default=None, help="Optimizer steps [default: 300].")
@click.option("--lora", type=count(0, 256), default=None,
              help="Train rank-R LoRA adapters (merged on export) instead of the whole decoder [default: 0].")
@click.option("--train-encoder", is_flag=True, default=None,
              help="Train the whole model, encoder too (no encoder cache; slow on a CPU, meant for a GPU).")
@click.option("--language", default=None, help="Language of the recordings (multilingual models) [default: en].")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSON file of fine-tuning settings (batch, lr, lora_lr, replay, masks...; docs/asr.md).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run in OUT (same settings, same result).")
@click.option("--seed", type=SEED, default=None, help="Random seed [default: 0].")
@click.option("--json", "as_json", is_flag=True, help="Print the recipe and figures as JSON at the end.")
def train_whisper_command(data: tuple[str, ...], dev: str | None, out: str, init: str | None, steps: int | None,
                          lora: int | None, train_encoder: bool | None, language: str | None,
                          config_path: str | None, resume: bool, seed: int | None, as_json: bool) -> None:
    """Fine-tune Whisper on your recordings so that it learns new words (names, products, jargon).

    The encoder stays frozen and its output of each utterance is cached on disk, so a step
    costs only the decoder; a replay set of ordinary English (synthesised here, labelled by
    the base model) keeps it from forgetting. SIGTERM or Ctrl-C saves; --resume continues.

    \b
    Examples:
      sonitus train whisper --data mine.tsv --dev dev.tsv -o my-whisper
      sonitus train whisper --data mine.tsv -o my-whisper --lora 8 --steps 200
      sonitus train whisper --data accent.tsv -o my-whisper --train-encoder   (on a GPU)
      sonitus transcribe talk.wav --model my-whisper
      sonitus eval asr dev.tsv --model tiny.en --model my-whisper
    """
    from .finetune import FinetuneConfig, train_whisper

    cfg = FinetuneConfig.load(config_path, steps=steps, lora=lora, language=language, seed=seed,
                              train_encoder=train_encoder)
    recipe = train_whisper(list(data), out, cfg, init=init, dev=dev, resume=resume)
    if as_json:
        click.echo(json.dumps(recipe, indent=2))
        return
    figures = ""
    if "dev_wer_after" in recipe:
        figures = f"; dev WER {recipe.get('dev_wer_before', float('nan')):.3f} -> {recipe['dev_wer_after']:.3f}"
    click.echo(f"wrote {out} ({recipe['steps']} steps{figures}); use it: sonitus transcribe --model {out} FILE")
