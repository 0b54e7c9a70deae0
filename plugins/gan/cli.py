"""CLI: ``sonitus generate chorale``, ``sonitus train gan chorales``, ``sonitus eval gan chorales``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sonitus.cli.types import SEED, count, finite


@click.command("chorale")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="x.mid for MIDI, x.wav/.flac/.ogg rendered with FluidSynth.")
@click.option("--melody", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Harmonise this tune (.mid, or a .txt/.py song): it stays the soprano, the chorale harmoniser "
                   "writes alto, tenor and bass.")
@click.option("--bars", type=count(1, 4096), default=None, help="Length in 4/4 bars [default: 8; with --melody all of it].")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Which chorale: the same seed writes the same one.")
@click.option("--key", default=None,
              help="Key: C, G, Bb, F#m, ... [default: C; with --melody detected from the tune].")
@click.option("--tempo", type=finite(10, 400), default=80.0, show_default=True, help="Beats per minute (with --melody: the tune's).")
@click.option("--temperature", default=None, type=finite(0, 5),
              help="GAN: 0 writes each step's most likely pitch, above 0 samples [default: 0]. With --melody: "
                   "below 1 keeps to likely chords, above 1 is bolder [default: 0.8].")
@click.option("--model", default=None, help="Checkpoint (default: the chorale GAN, or with --melody the chorale "
                                            "harmoniser, shipped with sonitus).")
def generate_chorale(output: Path, melody: Path | None, bars: int | None, seed: int, key: str | None, tempo: float,
                     temperature: float | None, model: str | None) -> None:
    """Write a new four-part (SATB) chorale, or harmonise a melody.

    \b
    Examples:
      sonitus generate chorale -o chorale.mid
      sonitus generate chorale --bars 16 --key G --seed 7 -o chorale.wav
      sonitus generate chorale --melody tune.mid -o harmonised.wav
      sonitus to-midi hum.wav -o tune.mid && sonitus generate chorale --melody tune.mid -o chorale.wav
    """
    from sonitus.errors import ParameterError
    from sonitus.registry import get_registry

    stage = get_registry().stage
    suffix = output.suffix.lower()
    if suffix not in (".mid", ".midi", ".wav", ".flac", ".ogg"):
        raise ParameterError(f"cannot write {output.name}: use .mid, .wav, .flac or .ogg.")
    if melody is not None and not melody.exists():
        raise ParameterError(f"--melody {melody} does not exist; give a .mid or .txt file with the tune.")
    chorale = stage("chorale-gan", model=model, bars=bars, seed=seed, key=key, tempo=tempo,
                    temperature=temperature or 0.0, melody=melody)
    if suffix in (".mid", ".midi"):
        pipeline = chorale >> stage("save", path=output)
    else:
        pipeline = chorale >> stage("fluidsynth") >> stage("save", path=output)
    pipeline.run()
    if melody is not None:
        click.echo(f"wrote {output} ({melody.name} harmonised, seed {seed})")
    else:
        click.echo(f"wrote {output} ({bars or 8} bars in {key or 'C'}, seed {seed})")


def _train_command(name: str, doc: str, settings: str, load):
    """A ``sonitus train gan NAME`` command; ``load()`` returns (config class, train, shipped model path)."""

    @click.command(name, help=doc)
    @click.option("--out", required=True, type=click.Path(file_okay=False), help="Run folder (checkpoints, samples).")
    @click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None,
                  help=f"JSON file of training settings ({settings}).")
    @click.option("--resume", is_flag=True, help="Continue an interrupted run from OUT/last.ckpt.")
    @click.option("--init", default=None,
                  help="Start from this model's weights with fresh optimisers ('shipped' = the shipped one).")
    @click.option("--seed", type=SEED, default=0, show_default=True)
    @click.option("--steps", type=count(1), default=None, help="Override the number of steps.")
    def command(out: str, config_path: str | None, resume: bool, init: str | None, seed: int,
                steps: int | None) -> None:
        from sonitus.errors import ParameterError

        config_class, train, shipped = load()
        if resume and init:
            raise ParameterError("Give --resume (continue this run) or --init (start a new round), not both.")
        model = train(out, config=config_class.load(config_path, steps=steps), seed=seed, resume=resume,
                      init=str(shipped()) if init == "shipped" else init)
        click.echo(f"model: {model}")

    return command


def _chorale_trainer():
    from .generator import default_model_path
    from .train import GANTrainConfig, train

    return GANTrainConfig, train, default_model_path


def _harmoniser_trainer():
    from .harmonise import default_model_path
    from .harmoniser_train import HarmoniserTrainConfig, train

    return HarmoniserTrainConfig, train, default_model_path


def _notes_trainer():
    from .note_generator import default_model_path
    from .notes_train import NotesTrainConfig, train

    return NotesTrainConfig, train, default_model_path


train_gan_chorales = _train_command("chorales", """Train the chorale GAN (WGAN-GP) on Bach's chorales from music21's corpus.

    Builds the dataset on first use (about two minutes). Writes samples (MIDI and a piano
    roll PNG) every 500 steps and checkpoints every 10 minutes and on Ctrl-C.

    \b
    First round:  sonitus train gan chorales --out runs/gan
    Next rounds:  sonitus train gan chorales --out runs/gan2 --init shipped
    """, "steps, batch, n_critic, lr, model sizes", _chorale_trainer)

train_gan_harmoniser = _train_command("harmoniser", """Train the chorale harmoniser (a masked transformer) on Bach's chorales.

    It learns to fill in hidden notes of 4-bar chorale segments (Coconet-style masks); the
    held-out loss with the soprano given is logged every 250 steps. Checkpoints every 10
    minutes and on Ctrl-C.

    \b
    First round:  sonitus train gan harmoniser --out runs/harm --config plugins/gan/recipes/harmoniser-round1.json
    Next rounds:  sonitus train gan harmoniser --out runs/harm2 --init shipped
    """, "steps, batch, lr, warmup, model sizes", _harmoniser_trainer)

train_gan_notes = _train_command("notes", """Train the notes GAN (conditional WGAN-GP over log-mel notes) on gm-notes.

    Renders the dataset with FluidSynth on first use (seconds). Writes a PNG grid
    of sample spectrograms every 250 steps and checkpoints every 10 minutes and on Ctrl-C.

    \b
    First round:  sonitus train gan notes --out runs/notes
    Next rounds:  sonitus train gan notes --out runs/notes2 --init shipped
    """, "steps, batch, n_critic, lr, aux_weight, model sizes", _notes_trainer)


@click.command("chorales")
@click.option("--model", default=None, help="Checkpoint (default: the shipped chorale GAN, or harmoniser with "
                                            "--melody).")
@click.option("--count", default=None, type=count(1, 100_000),
              help="Segments to generate and compare [default: 200; with --melody every held-out one].")
@click.option("--melody", is_flag=True,
              help="Score the harmoniser instead: harmonise the held-out sopranos and compare with Bach's own parts.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def eval_gan_chorales(model: str | None, count: int | None, melody: bool, seed: int, as_json: bool) -> None:
    """Metrics of generated chorales beside held-out real ones and a random diatonic baseline.

    Empty bars, qualified notes (>= 2 sixteenths), pitch-class entropy, polyphony, and the
    overlapping areas (1 = same distribution) with the training chorales of pitch range,
    melodic interval, inter-onset interval, note length and pitch-class transitions.

    With --melody: the soprano kept, consonant beats, parallel fifths and octaves per 100 beat
    transitions, voice order and ranges of the harmoniser's parts on held-out melodies, beside
    Bach's and a parallel-motion baseline's; then the overlaps of its unconditional chorales.
    """
    if melody:
        from .harmoniser_eval import evaluate_harmoniser

        result = evaluate_harmoniser(model=model, count=count, seed=seed)
        if as_json:
            click.echo(json.dumps(result, indent=2))
            return
        _table(result["harmonisation"], [
            ("soprano kept (steps)", lambda r: r["soprano_kept"]),
            ("consonant beats", lambda r: r["consonant_beats"]),
            ("parallel 5ths/8ves per 100", lambda r: r["parallels_per_100"]),
            ("voices in SATB order (steps)", lambda r: r["voice_order"]),
            ("notes in SATB range (worst voice)", lambda r: min(r["in_range"].values()))])
        click.echo("")
        overlap_rows = {k: v for k, v in result["unconditional"].items() if "report" not in k}
        _table(overlap_rows, [(f"overlap: {k.replace('_', ' ')}", lambda r, k=k: r[k])
                              for k in overlap_rows["harmoniser"]])
        return
    result = evaluate(model=model, count=count or 200, seed=seed)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    first = result[next(iter(result))]
    lines = [("empty bars (worst voice)", lambda r: max(r["empty_bars"].values())),
             ("qualified notes", lambda r: r["qualified_notes"]),
             ("pitch-class entropy (bits)", lambda r: r["pitch_class_entropy"]),
             ("polyphony (voices)", lambda r: r["polyphony"]),
             ("voices in SATB order (steps)", lambda r: r["voice_order"]),
             ("notes in SATB range (worst voice)", lambda r: min(r["in_range"].values()))]
    lines += [(f"overlap: {k.replace('_', ' ')}", lambda r, k=k: r["overlap"][k]) for k in first["overlap"]]
    _table(result, lines)


def _table(result: dict, lines: list) -> None:
    """One column per entry of ``result``, one row per ``(label, get)`` of ``lines``."""
    rows = list(result)
    click.echo(f"{'metric':34s}" + "".join(f"{r:>19s}" for r in rows))
    for label, get in lines:
        click.echo(f"{label:34s}" + "".join(f"{get(result[r]):19.3f}" for r in rows))


def evaluate(*, model: str | None = None, count: int = 200, seed: int = 0) -> dict:
    """Metric reports for held-out real chorales, the GAN and the random baseline."""
    import numpy as np

    from .chorales import Chorales
    from .generator import ChoraleGANGenerator
    from .metrics import random_diatonic, report
    from .rolls import STEPS_PER_BAR

    train, held_out = Chorales().load()
    rolls = []
    for i in range((count + 1) // 2):
        roll = ChoraleGANGenerator(model, bars=8, seed=seed + i).roll()
        rolls += [roll[:, :4 * STEPS_PER_BAR], roll[:, 4 * STEPS_PER_BAR:]]
    generated = np.stack(rolls[:count])
    return {"held-out real": report(held_out, train), "chorale GAN": report(generated, train),
            "random": report(random_diatonic(train, count, seed=seed), train)}


@click.command("note")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Audio file to write (.wav, .flac or .ogg), 1 s at 16 kHz.")
@click.option("--pitch", type=count(0, 127), default=60, show_default=True, help="MIDI note number (36-84; 60 is middle C).")
@click.option("--instrument", default="piano", show_default=True,
              type=click.Choice(["piano", "guitar", "organ", "strings", "brass", "flute"]))
@click.option("--velocity", type=count(1, 127), default=100, show_default=True, help="MIDI velocity 1-127.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Which note: the same seed writes the same one.")
@click.option("--iterations", type=count(1, 10_000), default=64, show_default=True, help="Griffin-Lim iterations (more: cleaner phase).")
@click.option("--model", default=None, help="Checkpoint (default: the notes GAN shipped with sonitus).")
def generate_note(output: Path, pitch: int, instrument: str, velocity: int, seed: int, iterations: int,
                  model: str | None) -> None:
    """Synthesise a new instrument note with the notes GAN, rendered with Griffin-Lim.

    \b
    Examples:
      sonitus generate note --pitch 60 --instrument piano -o c4.wav
      sonitus generate note --pitch 43 --instrument brass --velocity 110 --seed 3 -o g2.wav
    """
    from sonitus.errors import ParameterError
    from sonitus.registry import get_registry

    stage = get_registry().stage
    if output.suffix.lower() not in (".wav", ".flac", ".ogg"):
        raise ParameterError(f"cannot write {output.name}: use .wav, .flac or .ogg.")
    import numpy as np
    from sonitus import Audio
    from sonitus.dsp.levels import normalize

    note = stage("notes-gan", model=model, pitch=pitch, instrument=instrument, velocity=velocity, seed=seed)
    audio = (note >> stage("griffin-lim", n_iter=iterations)).run()
    # peak at -1 dBFS, as FluidSynth renders are: the model's notes sit near -25 dBFS
    (Audio(np.asarray(normalize(audio.samples, target_db=-1.0)), audio.sample_rate) >> stage("save", path=output)).run()
    click.echo(f"wrote {output} ({instrument}, MIDI {pitch}, velocity {velocity}, seed {seed})")


@click.command("notes")
@click.option("--model", default=None, help="Checkpoint (default: the shipped notes GAN).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def eval_gan_notes(model: str | None, as_json: bool) -> None:
    """Pitch accuracy, instrument accuracy and Fréchet distance of generated notes, beside
    held-out real notes and a noise baseline.

    Pitch: a YIN f0 estimate of the Griffin-Lim rendering within a semitone of the asked
    pitch. Instrument and distance: a small CNN trained on the real training notes.
    """
    from .notes_metrics import evaluate as evaluate_notes

    result = evaluate_notes(model=model)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    rows = list(result)
    click.echo(f"{'metric':34s}" + "".join(f"{r:>14s}" for r in rows))
    lines = [("pitch accuracy (all pitches)", lambda r: r["pitch_accuracy"]),
             ("pitch accuracy (MIDI 48-72)", lambda r: r["pitch_accuracy_48_72"])]
    lines += [(f"  {name}", lambda r, name=name: r["pitch_accuracy_48_72_by_instrument"].get(name, float("nan")))
              for name in result[rows[0]]["pitch_accuracy_48_72_by_instrument"]]
    lines += [("instrument accuracy", lambda r: r["instrument_accuracy"]),
              ("Fréchet distance (lower: closer)", lambda r: r["frechet_distance"])]
    for label, get in lines:
        click.echo(f"{label:34s}" + "".join(f"{get(result[r]):14.3f}" for r in rows))
