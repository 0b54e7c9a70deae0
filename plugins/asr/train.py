"""Training loop for the CTC recogniser: jitted steps, bucketing, augmentation, checkpoints.

The commands that reproduce the shipped model are in docs/asr.md (``make asr-model``).

A run writes ``out/last.ckpt`` (params + optimiser state) atomically every
``checkpoint_every`` steps and ``out/model.ckpt`` (params only, what ``--model`` takes) at
the end. ``--resume`` continues from ``last.ckpt``; because batch ``k`` and its random
numbers depend only on (seed, k), a killed and resumed run ends with the same weights as
an uninterrupted one.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from sonitus.errors import CheckpointError
from sonitus.training import LoadableConfig

from .model import MODEL_NAME, ModelConfig

__all__ = ["TrainConfig", "train", "MODEL_NAME", "export_model", "build_lm"]


@dataclass(frozen=True)
class TrainConfig(LoadableConfig):
    """Optimisation settings (a JSON file given to ``--config`` may set any of these and
    ``model``: a dict of :class:`~sonitus.plugins.asr.model.ModelConfig` fields)."""

    steps: int = 1800
    batch_seconds: float = 48.0
    peak_lr: float = 1.5e-3
    warmup: int = 250
    weight_decay: float = 1e-2
    clip: float = 5.0
    checkpoint_every: int = 500
    checkpoint_minutes: float = 10.0
    eval_every: int = 1000
    dev_limit: int = 180
    max_seconds: float = 10.0
    spec_augment: bool = True
    augment: bool = True
    vtlp: float = 0.0
    #: batch sizes are multiples of this (0: of the number of devices, so that each gets a
    #: share); give the same number on one device to reproduce a multi-device run's batches
    batch_multiple: int = 0
    model: dict = field(default_factory=lambda: {"layers": 4, "conv_channels": 32, "d_model": 144})


def _spec_augment(key, feats, frame_lengths):
    import jax
    import jax.numpy as jnp

    B, T, F = feats.shape
    k = jax.random.split(key, 4)
    t = jnp.arange(T)[None, :]
    f = jnp.arange(F)[None, :]
    mask = jnp.ones((B, T, F), bool)
    for i in range(2):
        fw = jax.random.randint(jax.random.fold_in(k[0], i), (B, 1), 0, 13)
        f0 = jax.random.randint(jax.random.fold_in(k[1], i), (B, 1), 0, F - 12)
        mask &= ~((f >= f0) & (f < f0 + fw))[:, None, :]
        tw = jnp.minimum(jax.random.randint(jax.random.fold_in(k[2], i), (B, 1), 0, 26),
                         (frame_lengths[:, None] * 0.08).astype(jnp.int32))
        t0 = (jax.random.uniform(jax.random.fold_in(k[3], i), (B, 1)) * jnp.maximum(frame_lengths[:, None] - tw, 1)).astype(jnp.int32)
        mask &= ~((t >= t0) & (t < t0 + tw))[:, :, None]
    return jnp.where(mask, feats, 0.0)


def vtlp_sources(config: ModelConfig, alpha):
    """Fractional mel-bin indices ``[batch, n_mels]`` that vocal-tract-length perturbation reads.

    Frequencies are scaled by ``alpha`` (one factor per utterance; > 1 moves formants up, as a
    shorter vocal tract does) below a boundary, and mapped linearly above it so that the band
    edge stays put (Jaitly & Hinton 2013). Independent of tempo and pitch, unlike speed
    perturbation.
    """
    import jax.numpy as jnp
    from sonitus.dsp.mel import mel_frequencies

    fmax = config.sample_rate / 2
    centres = jnp.asarray(mel_frequencies(config.n_mels + 2, 0.0, fmax)[1:-1], jnp.float32)
    alpha = jnp.asarray(alpha, jnp.float32)[:, None]
    boundary = 0.8 * fmax * jnp.minimum(alpha, 1.0)
    # inverse warp: the output frequency f was at f / alpha in the input
    upper = boundary / alpha + (centres - boundary) * (fmax - boundary / alpha) / (fmax - boundary)
    source = jnp.where(centres <= boundary, centres / alpha, upper)
    return jnp.interp(source, centres, jnp.arange(config.n_mels, dtype=jnp.float32))


def warp_features(feats, sources):
    """Features ``[batch, frames, n_mels]`` read at fractional bins ``sources`` ``[batch, n_mels]``."""
    import jax.numpy as jnp

    lo = jnp.floor(sources).astype(jnp.int32)
    hi = jnp.minimum(lo + 1, feats.shape[-1] - 1)
    w = (sources - lo)[:, None, :]
    take = lambda idx: jnp.take_along_axis(feats, jnp.broadcast_to(idx[:, None, :], feats.shape), axis=-1)  # noqa: E731
    return take(lo) * (1 - w) + take(hi) * w


def make_steps(config: ModelConfig, tc: TrainConfig):
    """(module, optimizer, train_step, eval_fn) as jitted functions."""
    import jax
    import jax.numpy as jnp
    import optax

    from .model import build_model, features

    module = build_model(config)
    schedule = optax.warmup_cosine_decay_schedule(0.0, tc.peak_lr, tc.warmup, max(tc.steps, tc.warmup + 1),
                                                  end_value=tc.peak_lr * 0.02)
    tx = optax.chain(optax.clip_by_global_norm(tc.clip),
                     optax.adamw(schedule, weight_decay=tc.weight_decay))

    def loss_fn(params, x, lengths, labels, label_pad, key):
        feats, frames = features(config, x, lengths)
        if tc.vtlp > 0:
            alpha = jax.random.uniform(jax.random.fold_in(key, 2), (x.shape[0],), minval=1 - tc.vtlp,
                                       maxval=1 + tc.vtlp)
            feats = warp_features(feats, vtlp_sources(config, alpha))
        if tc.spec_augment:
            feats = _spec_augment(jax.random.fold_in(key, 1), feats, frames)
        logp, out_len = module.apply(params, feats, frames, train=True, rngs={"dropout": key})
        pad = (jnp.arange(logp.shape[1])[None, :] >= out_len[:, None]).astype(jnp.float32)
        per = optax.ctc_loss(logp, pad, labels, label_pad, blank_id=0)
        return jnp.mean(per / jnp.maximum(1.0, jnp.sum(1 - label_pad, axis=1)))

    @jax.jit
    def train_step(params, opt_state, x, lengths, labels, label_pad, key):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, lengths, labels, label_pad, key)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    @jax.jit
    def infer(params, x, lengths):
        feats, frames = features(config, x, lengths)
        return module.apply(params, feats, frames, train=False)

    return module, tx, train_step, infer


def _labels(ids: list[list[int]], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Label ids padded to ``width`` (fixed per bucket, so shapes never change) and the padding mask."""
    labels = np.zeros((len(ids), width), np.int32)
    pad = np.ones((len(ids), width), np.float32)
    for r, seq in enumerate(ids):
        labels[r, :len(seq)] = seq
        pad[r, :len(seq)] = 0
    return labels, pad


def evaluate_cer(infer, params, config: ModelConfig, corpus, *, batch: int = 16) -> float:
    """Greedy-decoding character error rate of ``corpus`` (jiwer)."""
    import jiwer

    from .decode import greedy
    from .recognizer import transcribe_arrays

    waves = [a.astype(np.float32) / 32768 for a in corpus.audio]
    hyps = [t.text for t in transcribe_arrays(lambda x, lengths: infer(params, x, lengths), config, waves, decode=greedy,
                                              batch=batch)]
    return float(jiwer.cer(corpus.texts, hyps))


def train(data: str, out: str, *, config: TrainConfig, seed: int = 0, resume: bool = False,
          init: str | None = None, progress: bool | None = None, log=None, until: int | None = None) -> Path:
    """Train a CTC model on ``data`` (a tts-speech root or a train manifest, or a list of them:
    their training utterances together, the first one's dev set); returns model.ckpt.

    ``init`` starts from the parameters of a model checkpoint (e.g. the shipped model) with a
    fresh optimiser and warm-up, so that each round of training continues the last one.
    ``until`` stops this session after that step (checkpointed), as if the run were killed
    there; ``resume=True`` later continues it to ``config.steps`` with the same result.
    SIGTERM and SIGINT save ``last.ckpt`` before the process ends.
    """
    import jax
    from sonitus.checkpoints import save_checkpoint
    from sonitus.manifests import read_manifest
    from sonitus.training import DataParallel, run_loop

    from .data import Batcher, load_corpus
    from .model import features

    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    roots = [Path(d) for d in ([data] if isinstance(data, (str, os.PathLike)) else data)]
    train_manifests = [root / "train.tsv" if root.is_dir() else root for root in roots]
    dev_manifest = roots[0] / "dev.tsv" if roots[0].is_dir() else roots[0].with_name("dev.tsv")
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    mc = ModelConfig.from_dict(config.model)
    t0 = time.time()
    corpus, label_ids = _training_corpus(train_manifests, mc, config, log)
    has_dev = dev_manifest.exists() and read_manifest(dev_manifest, allow_empty=True)
    dev = load_corpus(str(dev_manifest), limit=config.dev_limit) if has_dev else None
    log(f"loaded {len(corpus.audio)} training utterances ({corpus.durations.sum() / 3600:.1f} h)"
        f"{'' if dev is None else f', {len(dev.audio)} dev'} in {time.time() - t0:.0f} s")
    parallel = DataParallel()
    ndev = parallel.devices
    if config.batch_multiple:
        parallel.check_batch(config.batch_multiple, "batch_multiple")
    batcher = Batcher(corpus.durations, seed=seed, batch_seconds=config.batch_seconds,
                      multiple=config.batch_multiple or ndev,
                      label_lengths=np.array([len(i) for i in label_ids]))
    log(f"{batcher.per_epoch} batches an epoch; compiled shapes (batch, samples, labels): {batcher.shapes}")
    module, tx, train_step, infer = make_steps(mc, config)

    key = jax.random.PRNGKey(seed)
    x0 = np.zeros((ndev, batcher.samples[0]), np.float32)
    f0, fl0 = features(mc, x0, np.full((ndev,), x0.shape[1], np.int32))
    params = module.init({"params": jax.random.fold_in(key, 0)}, f0, fl0, train=False)
    header = {"config": mc.to_dict(), "train_config": asdict(config), "seed": seed}
    recipe = _data_recipe(train_manifests, roots)
    last = out_dir / "last.ckpt"
    params, opt_state, step, history, elapsed = _starting_point(
        params, tx.init(params), header, last=last, resume=resume, init=init, mc=mc, config=config, log=log)
    state = {"params": parallel.replicate(params), "opt_state": parallel.replicate(opt_state)}

    def save(at: int, seconds: float, final: bool) -> None:
        extra = {"history": history, "train_seconds": seconds, "devices": [str(d) for d in jax.devices()],
                 "data": {"utterances": len(corpus.audio), "hours": round(float(corpus.durations.sum()) / 3600, 2),
                          "recipe": recipe}}
        save_checkpoint(last, state, model=MODEL_NAME + "-train", step=at, **header, **extra)
        if final:
            save_checkpoint(out_dir / "model.ckpt", {"params": state["params"]}, model=MODEL_NAME, step=at,
                            **header, **extra)

    make_batch = _batch_maker(corpus, label_ids, batcher, mc, config, seed)

    def advance(arrays, at: int) -> dict[str, float]:
        state["params"], state["opt_state"], loss = train_step(state["params"], state["opt_state"],
                                                               *parallel.shard(*arrays), jax.random.fold_in(key, at + 1))
        return {"loss": float(loss)}

    smooth = None

    def after(at: int, metrics: dict[str, float], seconds: float) -> tuple[dict, bool]:
        nonlocal smooth
        loss = metrics["loss"]
        smooth = loss if smooth is None else 0.95 * smooth + 0.05 * loss
        evaluated = dev is not None and (at % config.eval_every == 0 or at == config.steps)
        if evaluated:
            history.append({"step": at, "loss": round(smooth, 4),
                            "dev_cer": round(evaluate_cer(infer, state["params"], mc, dev), 4),
                            "seconds": round(seconds, 1)})
        return {"loss": smooth, "dev_CER": history[-1]["dev_cer"] if history else "-"}, evaluated

    if step >= config.steps and not (out_dir / "model.ckpt").exists():
        save(step, elapsed, True)
    step, elapsed = run_loop(title="training", step=step, total=config.steps, elapsed=elapsed, batch=make_batch,
                             advance=advance, save=save, last=last, every=config.checkpoint_every,
                             minutes=config.checkpoint_minutes, until=until, watch="loss", after=after,
                             prefetch=True, per_epoch=batcher.per_epoch, progress=progress, log=log,
                             diverged_hint="lower peak_lr in --config")
    if step < config.steps:
        return last
    log(f"done: {step} steps, {elapsed / 60:.1f} min of training; model {out_dir / 'model.ckpt'}")
    return out_dir / "model.ckpt"


def _training_corpus(manifests: list[Path], mc: ModelConfig, config: TrainConfig, log):
    """``(corpus, label ids)``: every manifest's utterances, less those too fast for CTC."""
    from .data import ctc_feasible, load_corpus
    from .model import encode_text, output_lengths

    corpus = load_corpus(str(manifests[0]), max_seconds=config.max_seconds)
    for manifest in manifests[1:]:
        more = load_corpus(str(manifest), max_seconds=config.max_seconds)
        corpus.audio += more.audio
        corpus.texts += more.texts
        corpus.paths += more.paths
    label_ids = [encode_text(t) for t in corpus.texts]
    usable = [i for i, ids in enumerate(label_ids)
              if ids and ctc_feasible(ids, int(output_lengths(mc, len(corpus.audio[i]))))]
    if len(usable) < len(label_ids):
        log(f"dropped {len(label_ids) - len(usable)} utterances too fast for CTC at {mc.frame_rate:g} frames/s")
        corpus.audio = [corpus.audio[i] for i in usable]
        corpus.texts = [corpus.texts[i] for i in usable]
        corpus.paths = [corpus.paths[i] for i in usable]
        label_ids = [label_ids[i] for i in usable]
    return corpus, label_ids


def _data_recipe(manifests: list[Path], roots: list[Path]) -> dict | None:
    """How the training data was made (each corpus's ``recipe.json``), for the checkpoint's header."""
    recipes = [json.loads((m.parent / "recipe.json").read_text()) if (m.parent / "recipe.json").exists() else None
               for m in manifests]
    return recipes[0] if len(recipes) == 1 else {"parts": recipes, "roots": [str(r) for r in roots]}


def _starting_point(params, opt_state, header: dict, *, last: Path, resume: bool, init: str | None,
                    mc: ModelConfig, config: TrainConfig, log):
    """``(params, opt_state, step, history, seconds)`` a run starts from: fresh, ``last`` resumed,
    or a model checkpoint's weights (``init``) with a fresh optimiser; sets ``header["rounds"]``."""
    from flax import serialization
    from sonitus.rounds import init_checkpoint, progress_of, resume_checkpoint, rounds_after

    if resume:
        ckpt = resume_checkpoint(last, model=MODEL_NAME, header=header)
        if ckpt.header.get("seed") != header["seed"]:
            raise CheckpointError(f"{last} was trained with seed {ckpt.header.get('seed')}; pass --seed to match.")
        log(f"resumed at step {ckpt.step}")
        return (serialization.from_state_dict(params, ckpt.state["params"]),
                serialization.from_state_dict(opt_state, ckpt.state["opt_state"]), *progress_of(ckpt))
    if init:
        ckpt = init_checkpoint(init, model=MODEL_NAME, config_cls=ModelConfig, config=mc)
        # earlier rounds travel in the header: total steps and hours across sessions
        header["rounds"] = rounds_after(ckpt, history=ckpt.header.get("history", []))
        log(f"initialised from {init} (step {ckpt.step}); fresh optimiser with {config.warmup} warm-up steps")
        return serialization.from_state_dict(params, ckpt.state["params"]), opt_state, 0, [], 0.0
    return params, opt_state, 0, [], 0.0


def _batch_maker(corpus, label_ids: list[list[int]], batcher, mc: ModelConfig, config: TrainConfig, seed: int):
    """``make_batch(step) -> (x, lengths, labels, label_pad)``, augmented when ``config.augment``
    (the same batch for the same step and seed, so that a resumed run sees what a straight one would)."""
    from .data import augment, ctc_feasible, pad_batch
    from .model import output_lengths

    def make_batch(s: int):
        idx, samples, width = batcher.batch(s)
        rng = np.random.default_rng([seed, 1, s])
        clean = [corpus.audio[i].astype(np.float32) / 32768 for i in idx]
        waves = clean
        if config.augment:
            others = [corpus.audio[j].astype(np.float32) / 32768 for j in rng.integers(0, len(corpus.audio), 4)]
            waves = [augment(w, rng, others=others) for w in clean]
            # an augmented clip that outgrew its bucket, or got too fast for CTC, trains clean
            waves = [w if len(w) <= samples and ctc_feasible(label_ids[i], int(output_lengths(mc, len(w))))
                     else c for w, c, i in zip(waves, clean, idx)]
        x, lengths = pad_batch(waves, samples)
        labels, label_pad = _labels([label_ids[i] for i in idx], width)
        return x, lengths, labels, label_pad

    return make_batch


def export_model(checkpoint: str | Path, out: str | Path) -> Path:
    """Write the parameters of a training checkpoint (``last.ckpt``, any step) as a model
    checkpoint that ``--model`` and the shipped default take; the header travels along."""
    from sonitus.checkpoints import load_checkpoint, save_checkpoint

    ckpt = load_checkpoint(checkpoint)
    if ckpt.header.get("model") not in (MODEL_NAME, MODEL_NAME + "-train"):
        raise CheckpointError(f"{checkpoint} holds a '{ckpt.header.get('model')}' model, not {MODEL_NAME}.")
    header = {k: v for k, v in ckpt.header.items() if k not in ("model", "config", "step", "version")}
    return save_checkpoint(out, {"params": ckpt.state["params"]}, model=MODEL_NAME, config=ckpt.config,
                           step=ckpt.step, **header)


def build_lm(data, model_path: str | Path, *, order: int = 2) -> Path | None:
    """Build the word n-gram LM from ``DATA/text/train.txt`` (of every root in ``data``, each
    sentence once) and save it beside the model.

    The file is ``<model>.lm.json``; the recogniser uses it for beam search when present.
    """
    from .lm import NGramLM

    roots = [data] if isinstance(data, (str, os.PathLike)) else list(data)
    texts = [Path(root) / "text" / "train.txt" for root in roots]
    sentences = list(dict.fromkeys(line for t in texts if t.exists()
                                   for line in t.read_text(encoding="utf-8").splitlines()))
    if not sentences:
        return None
    lm = NGramLM.build(sentences, order=order)
    return lm.save(Path(model_path).with_suffix(".lm.json"))
