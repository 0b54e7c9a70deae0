"""Train the clip-context adapter (:mod:`.clip_adapter`): audio-context fine-tuning by the model
itself, on synthetic English, with no labels but the model's own.

Data: sentences of Debian's ``fortunes`` (5-18 words, letters and plain punctuation) spoken by
espeak-ng (five English accents, random rate and pitch) and Festival (two voices); never flite,
the voices the benchmark scores. For each utterance the frozen encoder is run twice, on the
whole 30 s window (the teacher hears it) and on the clip + 1 s rounded up to 2 s (the student
hears that, as ``audio_context="clip"`` decodes); the teacher's greedy transcript is the text
both read. The loss is the KL divergence from the teacher's next-token distributions, so the
adapter learns how the model reads a short encoder, not new words. A fifth of the rows let the
student hear the whole window too, so that full windows keep their behaviour. Everything but
the LoRA matrices is frozen; the data is built once and cached.

    python -m sonitus.plugins.whisper.clip_tuning --steps 400          # about 35 min on 2 cores
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import re
import sys
from pathlib import Path

import numpy as np

__all__ = ["ClipTuningConfig", "fortune_sentences", "build_data", "train_adapter"]

STATE_MODEL = "whisper-clip-adapter"

VOICES = (("espeak", "en-us"), ("espeak", "en-gb"), ("espeak", "en-gb-scotland"), ("espeak", "en-gb-x-rp"),
          ("espeak", "en-029"), ("festival", "kal_diphone"), ("festival", "ked_diphone"))


@dataclasses.dataclass(frozen=True)
class ClipTuningConfig:
    """Settings (the adapter's JSON header records them)."""

    utterances: int = 700
    steps: int = 400
    batch: int = 8
    lr: float = 5e-4
    rank: int = 16
    full_share: float = 0.2
    max_tokens: int = 48
    seed: int = 0


def fortune_sentences(folder: str = "/usr/share/games/fortunes", seed: int = 7) -> list[str]:
    """The one-line sayings of ``fortunes`` usable as sentences, shuffled by ``seed``."""
    found = set()
    for path in sorted(glob.glob(f"{folder}/*")):
        if "." in Path(path).name:
            continue
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for block in text.split("\n%\n"):
            line = " ".join(block.split())
            if re.fullmatch(r"[A-Za-z ,.'?!]+", line) and 5 <= len(line.split()) <= 18:
                found.add(line)
    sentences = sorted(found)
    np.random.default_rng(seed).shuffle(sentences)
    return sentences


def _clip_frames(samples: int) -> int:
    """Mel frames the encoder hears of a clip of ``samples`` under the clip context (as decoding)."""
    from .frontend import HOP
    from .transcribe import TranscribeOptions, _encoder_frames

    return _encoder_frames(TranscribeOptions(audio_context="clip"), [samples // HOP])


def build_data(runtime, cfg: ClipTuningConfig, cache: Path, *, sentences: list[str] | None = None, log=print) -> dict:
    """Utterances of ``sentences`` (default: :func:`fortune_sentences`), the teacher's transcripts and
    both encoders' states, built once into ``cache``."""
    import hashlib

    from sonitus.atomic import atomic_path
    from sonitus.tts import Voice, synthesize

    from .finetune_data import encoder_input, encoder_key
    from .transcribe import TranscribeOptions, transcribe_waves

    sentences, waves = (sentences or fortune_sentences())[:cfg.utterances], []
    recipe = hashlib.sha256(json.dumps([sentences, VOICES, cfg.seed]).encode()).hexdigest()[:12]
    path = cache / encoder_key(runtime.checkpoint.params) / f"data-{recipe}.npz"  # the model and the sentences
    if path.is_file():
        with np.load(path, allow_pickle=False) as saved:
            return dict(saved)
    rng = np.random.default_rng(cfg.seed)
    for i, sentence in enumerate(sentences):
        engine, name = VOICES[i % len(VOICES)]
        voice = Voice(engine, name, rate=int(rng.integers(140, 200)) if engine == "espeak" else 100,
                      pitch=int(rng.integers(35, 65)))
        try:
            wave = synthesize(sentence, voice)
        except Exception:  # noqa: BLE001 - a voice that fails one sentence is skipped
            continue
        if 1.0 < len(wave) / 16000 < 12.0:
            waves.append(wave)
    log(f"labelling {len(waves)} utterances with the model itself (full context, greedy)")
    options = TranscribeOptions(beam=1, temperatures=(0.0,), word_timestamps=False, condition_on_previous_text=False)
    labels = [r.text for r in transcribe_waves(runtime, waves, options)]
    full, clips, frames = [], [], []
    for wave in waves:
        mel = encoder_input(runtime, wave)[None]
        full.append(np.asarray(runtime.encode(runtime.params, mel)[0][0], np.float16))
        frames.append(_clip_frames(len(wave)))
        clips.append(np.asarray(runtime.encode(runtime.params, mel[:, :frames[-1]])[0][0], np.float16))
    width = max(len(c) for c in clips)
    data = {"full": np.stack(full), "clip": np.stack([np.pad(c, ((0, width - len(c)), (0, 0))) for c in clips]),
            "frames": np.array(frames), "seconds": np.array([len(w) / 16000 for w in waves]),
            "labels": np.array(labels)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **data)
    return data


def train_adapter(cfg: ClipTuningConfig, out: Path, *, model: str = "tiny.en", resume: bool = False,
                  cache: Path | None = None, sentences: list[str] | None = None, log=None) -> dict:
    """Train the adapter of ``model`` (a packaged name or folder) to ``cfg.steps`` steps; write ``out`` (.safetensors + .json) and
    the training state beside it (``.ckpt``: adapters and optimizer, what ``resume`` continues)."""
    import jax
    import jax.numpy as jnp
    import optax
    from flax import serialization
    from sonitus.checkpoints import load_checkpoint, save_checkpoint
    from sonitus.errors import ParameterError
    from sonitus.jaxcache import cache_dir
    from sonitus.training import run_loop

    from .clip_adapter import save_adapter
    from .finetune import _sequences, distillation_kl, warmup_adamw
    from .lora import ALPHA, TARGETS, init_lora, merge
    from .model import Whisper
    from .models import PACKAGED, resolve_model
    from .runtime import load_runtime

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    runtime = load_runtime(str(resolve_model(model)))
    data = build_data(runtime, cfg, cache or cache_dir() / "whisper-clip-tuning", sentences=sentences, log=log)
    tok = runtime.tokenizer
    labels = [str(s) for s in data["labels"]]
    usable = [i for i, s in enumerate(labels) if s.strip() and len(tok.encode(" " + s)) <= cfg.max_tokens]
    x, _, mask = _sequences(tok, [labels[i] for i in usable], list(data["seconds"][usable]), None,
                            cfg.max_tokens + 8)
    full, clip, frames = data["full"][usable], data["clip"][usable], data["frames"][usable]
    lengths = np.unique(frames)
    share = np.array([np.mean(frames == f) for f in lengths])
    base = jax.tree_util.tree_map(jnp.asarray, runtime.checkpoint.params)
    lora = jax.tree_util.tree_map(jnp.asarray, init_lora(runtime.checkpoint.params, cfg.rank, cfg.seed))
    optimizer = warmup_adamw(cfg.lr, 20, cfg.steps, 0.01)
    module = Whisper(runtime.config)

    def loss_fn(lora, student, teacher, tokens, m):
        logits = module.apply({"params": merge(base, lora)}, student.astype(jnp.float32), tokens,
                              method=Whisper.decode_text)
        kl = distillation_kl(module.apply({"params": base}, teacher.astype(jnp.float32), tokens,
                                          method=Whisper.decode_text), logits)
        return (kl * m).sum() / m.sum()

    @jax.jit
    def update(lora, state, student, teacher, tokens, m):
        loss, grads = jax.value_and_grad(loss_fn)(lora, student, teacher, tokens, m)
        updates, state = optimizer.update(grads, state, lora)
        return optax.apply_updates(lora, updates), state, loss

    holder = {"lora": lora, "opt": optimizer.init(lora)}
    state_path, step, elapsed = out.with_suffix(".ckpt"), 0, 0.0
    if resume:
        saved = load_checkpoint(state_path, model=STATE_MODEL, keys=("lora", "opt"))
        if {**saved.config, "steps": cfg.steps} != dataclasses.asdict(cfg):
            raise ParameterError(f"{state_path} was trained with other settings ({saved.config}); resume with those.")
        holder = {k: jax.tree_util.tree_map(jnp.asarray, serialization.from_state_dict(holder[k], saved.state[k]))
                  for k in holder}
        step, elapsed = saved.step, float(saved.header.get("elapsed", 0.0))
        log(f"resuming at step {step} of {cfg.steps}")

    def batch(step: int):
        rng = np.random.default_rng([cfg.seed, step])
        n = rng.choice(lengths, p=share)  # one encoder length a batch
        rows = rng.choice(np.flatnonzero(frames == n), cfg.batch)
        student = full[rows] if rng.random() < cfg.full_share else clip[rows, :n // 2]
        return student, full[rows], x[rows], mask[rows]

    def advance(current, step: int) -> dict[str, float]:
        holder["lora"], holder["opt"], loss = update(holder["lora"], holder["opt"], *current)
        return {"loss": float(loss)}

    header = {"base_model": model, "base_sha256": PACKAGED[model].sha256 if model in PACKAGED else None, "alpha": ALPHA,
              "targets": [list(t) for t in TARGETS], "config": dataclasses.asdict(cfg), "utterances": len(usable),
              "data": __doc__.split("\n\n")[1].replace("\n", " ")}

    def save(step: int, seconds: float, final: bool) -> None:
        header.update(steps=step, train_seconds=round(seconds, 1))
        save_checkpoint(state_path, holder, model=STATE_MODEL, config=dataclasses.asdict(cfg), step=step,
                        elapsed=seconds)
        header["sha256"] = save_adapter(out, jax.tree_util.tree_map(np.asarray, holder["lora"]), header)

    step, elapsed = run_loop(title="clip-context adapter", step=step, total=cfg.steps, elapsed=elapsed, batch=batch,
                             advance=advance, save=save, last=state_path, every=100, minutes=10, log=log)
    log(f"wrote {out} ({step} steps, {elapsed / 60:.1f} min); pin its SHA-256 {header.get('sha256')} in "
        "clip_adapter.CLIP_ADAPTERS")
    return header


def main(argv=None) -> None:
    from .clip_adapter import ADAPTER_FOLDER, CLIP_ADAPTERS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=ClipTuningConfig.steps)
    parser.add_argument("--utterances", type=int, default=ClipTuningConfig.utterances)
    parser.add_argument("--out", type=Path, default=ADAPTER_FOLDER / CLIP_ADAPTERS["tiny.en"].file)
    parser.add_argument("--resume", action="store_true", help="continue the training state beside --out")
    args = parser.parse_args(argv)
    train_adapter(ClipTuningConfig(steps=args.steps, utterances=args.utterances), args.out, resume=args.resume)


if __name__ == "__main__":
    main()
