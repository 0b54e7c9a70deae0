"""Fine-tune Whisper on a user's recordings: the decoder learns new words over a frozen encoder.

The encoder's output of each utterance is computed once and cached on disk
(:class:`~.finetune_data.EncoderCache`), so a step costs only the decoder's forward and backward
pass. The decoder is trained fully, or through LoRA adapters (``lora`` > 0) merged into the
weights on export. SpecAugment-style masks (time spans and channels) on the cached encoder
states keep a small data set from being learnt by heart, and each batch mixes in a replay set
of ordinary English labelled by the base model. The result is a transformers-layout Whisper
folder (``model.safetensors``, ``config.json``, tokenizer, ``sonitus-finetune.json`` with the
base model, steps, data and recipe) that ``--model OUT`` loads like any other.

>>> train_whisper(["train.tsv"], "my-whisper", FinetuneConfig(steps=300))     # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
from sonitus.training import ConfigDict, LoadableConfig

__all__ = ["FinetuneConfig", "train_whisper", "export_model", "STATE_FILE", "RECIPE_FILE"]

STATE_FILE = "train-state.ckpt"
RECIPE_FILE = "sonitus-finetune.json"
CHECKPOINT_MODEL = "whisper-finetune"


@dataclasses.dataclass(frozen=True)
class FinetuneConfig(LoadableConfig, ConfigDict):
    """Fine-tuning settings (``--config`` JSON keys).

    Attributes:
        steps: optimizer steps.
        batch: utterances a step (the replay share included).
        lr: peak learning rate of full decoder fine-tuning; ``lora_lr`` with adapters.
        lora: adapter rank (0: train the whole decoder).
        warmup: steps of linear warm-up, then linear decay to 10 %.
        replay: replay utterances of ordinary English (0: none); ``replay_share`` of each batch.
        time_masks, time_mask_frames: SpecAugment time masks on the encoder states (20 ms frames).
        channel_masks, channel_mask_width: masks over encoder channels.
        max_tokens: the longest transcript, in tokens.
        train_embeddings: train the token and position embeddings too (full fine-tuning only;
            the token embedding is also the output projection, so a change there moves every
            word's score).
        distill: replay rows learn the base model's whole next-token distributions (KL divergence,
            "learning without forgetting") instead of its greedy transcripts (false). What keeps
            ordinary English: general WER 0.88x the base model's on the benchmark, at both seeds
            tried, where transcripts gave 1.00x and 1.31x.
        train_encoder: train the whole model, the encoder too (no encoder cache: each step runs
            the encoder forwards and backwards, about 20 s a step for tiny on this 2-core CPU;
            meant for a GPU); SpecAugment masks then fall on the log-mel.
        language: the language of the recordings (multilingual models).
    """

    steps: int = 300
    batch: int = 8
    lr: float = 1e-5
    lora: int = 0
    lora_lr: float = 1e-3
    warmup: int = 20
    weight_decay: float = 0.01
    replay: int = 60
    replay_share: float = 0.5
    time_masks: int = 2
    time_mask_frames: int = 30
    channel_masks: int = 2
    channel_mask_width: int = 16
    max_tokens: int = 96
    train_embeddings: bool = True
    train_encoder: bool = False
    distill: bool = True
    language: str = "en"
    seed: int = 0


def _sequences(tokenizer, texts: list[str], seconds: list[float], language: str | None, length: int):
    """Decoder inputs, targets and loss masks ``[n, length]`` in the timestamp mode decoding
    uses: <|startoftranscript|>(language, task) <|0.00|> text <|END|> <|endoftext|>, where END
    is the utterance's length; the loss covers everything after the start tokens."""
    from .runtime import TIME_PRECISION

    prefix = list(tokenizer.sot_sequence(language=language if tokenizer.multilingual else None))
    last = tokenizer.n_vocab - 1 - tokenizer.timestamp_begin
    inputs = np.full((len(texts), length), tokenizer.eot, np.int32)
    targets = np.zeros((len(texts), length), np.int32)
    mask = np.zeros((len(texts), length), np.float32)
    for i, (text, duration) in enumerate(zip(texts, seconds)):
        end = tokenizer.timestamp_begin + min(int(round(duration / TIME_PRECISION)), last)
        seq = prefix + [tokenizer.timestamp_begin] + tokenizer.encode(" " + text.strip()) + [end, tokenizer.eot]
        n = len(seq) - 1
        inputs[i, :n], targets[i, :n] = seq[:-1], seq[1:]
        mask[i, len(prefix) - 1:n] = 1.0
    return inputs, targets, mask


def _spec_augment(audio, key, cfg: FinetuneConfig):
    """Zero ``time_masks`` random spans of frames and ``channel_masks`` spans of channels."""
    import jax
    import jax.numpy as jnp

    batch, frames, width = audio.shape
    keep = jnp.ones((batch, frames, 1), audio.dtype)
    for i in range(cfg.time_masks):
        k1, k2 = jax.random.split(jax.random.fold_in(key, i))
        size = jax.random.randint(k1, (batch, 1, 1), 0, cfg.time_mask_frames + 1)
        start = jax.random.randint(k2, (batch, 1, 1), 0, frames)
        t = jnp.arange(frames)[None, :, None]
        keep = keep * ~((t >= start) & (t < start + size))
    channels = jnp.ones((batch, 1, width), audio.dtype)
    for i in range(cfg.channel_masks):
        k1, k2 = jax.random.split(jax.random.fold_in(key, 100 + i))
        size = jax.random.randint(k1, (batch, 1, 1), 0, cfg.channel_mask_width + 1)
        start = jax.random.randint(k2, (batch, 1, 1), 0, width)
        c = jnp.arange(width)[None, None, :]
        channels = channels * ~((c >= start) & (c < start + size))
    return audio * keep * channels


def _split_decoder(params: dict, embeddings: bool = True) -> tuple[dict, dict]:
    """(frozen, trainable): the decoder trains, with or without its embeddings."""
    from .finetune_data import _is_decoder

    def trains(name: str) -> bool:
        return _is_decoder(name) and (embeddings or name not in ("token_embedding", "text_positions"))

    return ({k: v for k, v in params.items() if not trains(k)}, {k: v for k, v in params.items() if trains(k)})


def full_params(frozen: dict, trainable: dict, lora: bool) -> dict:
    """The model's whole parameter tree from the frozen part and what training holds."""
    from .lora import merge

    if lora:
        return merge(frozen, trainable)
    return {**frozen, **trainable}


def export_model(out: Path, runtime, params: dict, recipe: dict) -> Path:
    """Write a loadable Whisper folder: weights (float32 safetensors, transformers layout), the
    base model's tokenizer files and ``sonitus-finetune.json``."""
    import jax
    from sonitus.atomic import atomic_path, atomic_write_text

    from .checkpoint import save_safetensors

    host = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float32), params)
    save_safetensors(out, host, runtime.config, alignment_heads=runtime.checkpoint.alignment_heads,
                     suppress_ids=runtime.checkpoint.suppress_ids)
    for name in ("tokenizer.json", "vocabulary.txt"):
        source = runtime.folder / name
        if source.is_file():
            with atomic_path(out / name) as tmp:
                shutil.copyfile(source, tmp)
    atomic_write_text(out / RECIPE_FILE, json.dumps(recipe, indent=2) + "\n")
    return out


def _runtime_of(runtime, params: dict):
    """A Runtime over ``params`` with the base model's tokenizer (for dev WER)."""
    import jax

    from .checkpoint import Checkpoint
    from .runtime import Runtime

    host = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float32), params)
    checkpoint = Checkpoint(runtime.config, host, runtime.checkpoint.alignment_heads, "fine-tuning",
                            runtime.checkpoint.suppress_ids)
    return Runtime(checkpoint, runtime.tokenizer, folder=runtime.folder)


def word_error_rate(runtime, utterances, language: str | None) -> float:
    """Greedy-decoding WER (jiwer, normalised text) of ``runtime`` on ``utterances``."""
    import jiwer
    from sonitus.text import normalize_for

    from .transcribe import TranscribeOptions, transcribe_waves

    options = TranscribeOptions(beam=1, temperatures=(0.0,), word_timestamps=False,
                                condition_on_previous_text=False,
                                language=language if runtime.tokenizer.multilingual else None)
    hyps = [r.text for r in transcribe_waves(runtime, [u.wave for u in utterances], options)]
    norm = normalize_for(language)
    return float(jiwer.wer([norm(u.text) for u in utterances], [norm(h) for h in hyps]))


@dataclasses.dataclass
class _TrainingSet:
    """Every training utterance as arrays: what the model hears (the cached encoder output, or
    log-mel with ``train_encoder``), decoder inputs, targets and loss masks; the user's rows
    first, then the replay rows."""

    features: np.ndarray
    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    users: int
    replays: int

    def batch(self, cfg: FinetuneConfig, step: int):
        """Step ``step``'s rows (the same on a resumed run): ``replay_share`` of them replay."""
        per_replay = int(round(cfg.batch * cfg.replay_share)) if self.replays else 0
        per_user = cfg.batch - per_replay
        rng = np.random.default_rng([cfg.seed, step])
        rows = list(rng.choice(self.users, per_user, replace=self.users < per_user))
        if per_replay:
            rows += list(self.users + rng.choice(self.replays, per_replay, replace=self.replays < per_replay))
        rows = np.array(rows)
        return (self.features[rows], self.inputs[rows], self.targets[rows], self.mask[rows],
                (rows >= self.users).astype(np.float32))


def _training_set(runtime, utterances, replay, cache, cfg: FinetuneConfig, language, log) -> _TrainingSet:
    from .finetune_data import encoder_input
    from .frontend import SAMPLE_RATE

    tok = runtime.tokenizer
    everything = utterances + replay
    if cfg.train_encoder:  # the model hears log-mel: nothing to cache
        features = np.stack([encoder_input(runtime, u.wave) for u in everything]).astype(np.float16)
    else:
        log(f"encoder states of {len(everything)} utterances (cached in {cache.folder})")
        features = np.stack([cache.features(u.wave) for u in everything])
    length = -(-max(len(tok.encode(" " + u.text)) + 5 for u in everything) // 8) * 8
    seconds = [len(u.wave) / SAMPLE_RATE for u in everything]
    inputs, targets, mask = _sequences(tok, [u.text for u in everything], seconds, language, length)
    return _TrainingSet(features, inputs, targets, mask, len(utterances), len(replay))


def _parts(params: dict, cfg: FinetuneConfig) -> tuple[dict, dict]:
    """(frozen, trainable): the decoder (its embeddings unless told not), LoRA adapters over
    the whole model held frozen, or everything with ``train_encoder``."""
    from .lora import init_lora

    if cfg.train_encoder:
        return {}, dict(params)
    if cfg.lora:
        return params, init_lora(params, cfg.lora, cfg.seed)
    return _split_decoder(params, cfg.train_embeddings)


def warmup_adamw(peak: float, warmup: int, steps: int, weight_decay: float):
    """AdamW whose learning rate rises linearly to ``peak`` over ``warmup`` steps, then falls
    linearly to 10 % of it at ``steps``; gradients clipped at norm 1."""
    import optax

    rise = max(warmup, 1)
    schedule = optax.join_schedules([optax.linear_schedule(0.0, peak, rise),
                                     optax.linear_schedule(peak, 0.1 * peak, max(steps - warmup, 1))], [rise])
    return optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=weight_decay))


def distillation_kl(teacher_logits, logits):
    """KL divergence ``[..., T]`` of the student's ``logits`` from the teacher's distributions (no
    gradient flows into the teacher)."""
    import jax
    import jax.numpy as jnp

    teacher = jax.nn.log_softmax(jax.lax.stop_gradient(teacher_logits))
    return jnp.sum(jnp.exp(teacher) * (teacher - jax.nn.log_softmax(logits)), axis=-1)


def _optimizer(cfg: FinetuneConfig):
    """:func:`warmup_adamw` at the run's peak (``lora_lr`` with adapters)."""
    return warmup_adamw(cfg.lora_lr if cfg.lora else cfg.lr, cfg.warmup, cfg.steps, cfg.weight_decay)


def _update_step(runtime, optimizer, cfg: FinetuneConfig):
    """The jitted step ``(trainable, opt_state, frozen, base, audio, x, y, mask, replay, key) ->
    (trainable, opt_state, loss)``: masked cross-entropy of the teacher-forced tokens (with
    ``distill``, the KL divergence from the ``base`` model's distributions on replay rows)."""
    import jax
    import jax.numpy as jnp
    import optax

    from .model import Whisper

    module = Whisper(runtime.config)
    lora = cfg.lora > 0
    # the teacher runs on the batch's last rows only, where _TrainingSet.batch puts the replay
    tail = int(round(cfg.batch * cfg.replay_share)) if cfg.distill and cfg.replay else 0

    def logits_of(params, audio, x):
        if cfg.train_encoder:  # audio is log-mel [batch, frames, n_mels]
            return module.apply({"params": params}, audio, x)
        return module.apply({"params": params}, audio, x, method=Whisper.decode_text)  # cached encoder output

    def loss_fn(train, frozen, base, audio, x, y, m, replay, key):
        params = full_params(frozen, train, lora)
        heard = _spec_augment(audio.astype(jnp.float32), key, cfg)
        logits = logits_of(params, heard, x)
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, y)
        if tail:  # replay rows: the base model's distributions (on the unmasked audio); they come last
            kl = distillation_kl(logits_of(base, audio[-tail:].astype(jnp.float32), x[-tail:]), logits[-tail:])
            loss = jnp.concatenate([loss[:-tail], jnp.where(replay[-tail:, None] > 0, kl, loss[-tail:])])
        return (loss * m).sum() / jnp.maximum(m.sum(), 1.0)

    @jax.jit
    def update(train, opt_state, frozen, base, audio, x, y, m, replay, key):
        loss, grads = jax.value_and_grad(loss_fn)(train, frozen, base, audio, x, y, m, replay, key)
        updates, opt_state = optimizer.update(grads, opt_state, train)
        return optax.apply_updates(train, updates), opt_state, loss

    return update


def _check_run(out: Path, resume: bool, cfg: FinetuneConfig) -> Path:
    """The run's state file, after the checks that need no model: resume only what exists,
    never overwrite a run, settings that make sense together."""
    from sonitus.errors import ParameterError

    state_path = out / STATE_FILE
    if resume and not state_path.is_file():
        raise ParameterError(f"Nothing to resume in {out}: {STATE_FILE} is missing; leave out --resume to start.")
    if not resume and state_path.is_file():
        raise ParameterError(f"{out} holds a fine-tuning run already; add --resume to continue it, or give "
                             "another --out.")
    if not 1 <= cfg.batch or (cfg.replay and not 0 < cfg.replay_share < 1):
        raise ParameterError("batch must be at least 1 and replay_share between 0 and 1 (exclusive).")
    if cfg.train_encoder and cfg.lora:
        raise ParameterError("train_encoder trains every weight and lora adapts the decoder: choose one.")
    return state_path


def train_whisper(data: list[str], out: str | Path, cfg: FinetuneConfig = FinetuneConfig(), *,
                  init: str | None = None, dev: str | None = None, resume: bool = False,
                  cache: str | Path | None = None, until: int | None = None, progress: bool | None = None,
                  log=None) -> dict:
    """Fine-tune the Whisper ``init`` (a model name or folder; default tiny.en) on the
    ``path<TAB>transcript`` manifests ``data``; write the model folder ``out``. Returns the
    recipe written beside the weights (steps, data, dev WER before and after)."""
    import sys

    import jax
    import jax.numpy as jnp
    from flax import serialization
    from sonitus.checkpoints import load_checkpoint, save_checkpoint
    from sonitus.errors import ParameterError
    from sonitus.jaxcache import cache_dir
    from sonitus.training import run_loop

    from .finetune_data import EncoderCache, read_utterances, replay_set
    from .models import resolve_model
    from .runtime import load_runtime

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out = Path(out)
    state_path = _check_run(out, resume, cfg)
    base_name = init or "tiny.en"
    runtime = load_runtime(str(resolve_model(base_name)))
    tok = runtime.tokenizer
    language = cfg.language if tok.multilingual else None
    if tok.multilingual:
        tok.sot_sequence(language=cfg.language)  # an unknown language fails here
    utterances = read_utterances(data, max_tokens=cfg.max_tokens, encode=tok.encode)
    dev_set = read_utterances([dev], max_tokens=cfg.max_tokens, encode=tok.encode) if dev else []
    cache = EncoderCache(runtime, Path(cache) if cache else cache_dir() / "whisper-encoder")
    replay = replay_set(runtime, cache.folder, cfg.replay, log=log)
    rows = _training_set(runtime, utterances, replay, cache, cfg, language, log)

    lora = cfg.lora > 0
    frozen, trainable = _parts(runtime.checkpoint.params, cfg)
    optimizer = _optimizer(cfg)
    trainable = jax.tree_util.tree_map(jnp.asarray, trainable)
    frozen = jax.tree_util.tree_map(jnp.asarray, frozen)
    opt_state = optimizer.init(trainable)
    step, elapsed = 0, 0.0
    recipe = {"base_model": base_name, "base_folder": str(runtime.folder), "config": cfg.to_dict(),
              "data": [str(Path(d)) for d in data], "utterances": rows.users, "replay": rows.replays,
              "replay_source": "Harvard sentences lists 3-8, espeak-ng/Festival, labelled by the base model",
              "dev": str(dev) if dev else None}
    if resume:
        saved = load_checkpoint(state_path, model=CHECKPOINT_MODEL, keys=("trainable", "opt"))
        if saved.config != cfg.to_dict() or saved.header.get("base_model") != base_name:
            raise ParameterError(f"{state_path} was made with another base model or settings; resume with the "
                                 "same --init and --config, or start a new --out.")
        trainable = serialization.from_state_dict(trainable, saved.state["trainable"])
        opt_state = serialization.from_state_dict(opt_state, saved.state["opt"])
        trainable = jax.tree_util.tree_map(jnp.asarray, trainable)
        step, elapsed = saved.step, float(saved.header.get("elapsed", 0.0))
        recipe.update(saved.header.get("recipe", {}))
        log(f"resuming at step {step} of {cfg.steps}")
    elif dev_set:
        recipe["dev_wer_before"] = round(word_error_rate(runtime, dev_set, language), 4)
        log(f"dev WER before fine-tuning: {recipe['dev_wer_before']:.3f}")

    update = _update_step(runtime, optimizer, cfg)
    base = jax.tree_util.tree_map(jnp.asarray, runtime.checkpoint.params) if cfg.distill and cfg.replay else None
    holder = {"train": trainable, "opt": opt_state}
    key = jax.random.PRNGKey(cfg.seed)

    def advance(current, step: int) -> dict[str, float]:
        audio, x, y, m, replay = current
        holder["train"], holder["opt"], loss = update(holder["train"], holder["opt"], frozen, base, audio, x, y, m,
                                                      replay, jax.random.fold_in(key, step))
        return {"loss": float(loss)}

    def save(step: int, seconds: float, final: bool) -> None:
        save_checkpoint(state_path, {"trainable": holder["train"], "opt": holder["opt"]}, model=CHECKPOINT_MODEL,
                        config=cfg.to_dict(), step=step, elapsed=seconds, base_model=base_name, recipe=recipe)
        export_model(out, runtime, full_params(frozen, holder["train"], lora), {**recipe, "steps": step})

    out.mkdir(parents=True, exist_ok=True)
    step, elapsed = run_loop(title="fine-tuning whisper", step=step, total=cfg.steps, elapsed=elapsed,
                             batch=lambda step: rows.batch(cfg, step), advance=advance, save=save, last=state_path,
                             every=max(cfg.steps // 4, 50), minutes=10, until=until, progress=progress, log=log,
                             diverged_hint="lower lr (or lora_lr) in --config")
    recipe["steps"] = step
    recipe["train_seconds"] = round(elapsed, 1)
    recipe["encoder_cache"] = {"hits": cache.hits, "misses": cache.misses}
    if dev_set and step == cfg.steps:
        tuned = _runtime_of(runtime, full_params(frozen, holder["train"], lora))
        recipe["dev_wer_after"] = round(word_error_rate(tuned, dev_set, language), 4)
        log(f"dev WER after fine-tuning: {recipe['dev_wer_after']:.3f}")
    export_model(out, runtime, full_params(frozen, holder["train"], lora), recipe)
    return recipe
