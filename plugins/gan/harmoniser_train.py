"""Training the chorale harmoniser (Optax, jitted): fill in masked cells of Bach's chorales.

Each batch draws 4-bar segments of the ``chorales`` dataset on the eighth-note grid and masks
cells with one of three recipes, chosen per segment: Coconet's orderless masks (each cell
masked with a probability drawn uniformly), *harmonisation* masks (the soprano given, the other
voices masked, sometimes after a given prefix of whole bars, which is how long melodies are
harmonised window by window) and *voice* masks (whole voices). The loss is the cross-entropy
of the masked cells; ``transpose`` moves each segment by a random number of semitones (the
model still harmonises in C major / A minor: it learns voice leading from more examples). Batch ``k`` and its masks depend only on (seed, k), so a killed and
resumed run ends with the same weights. ``last.ckpt`` is written atomically every
``checkpoint_every`` steps, every ``checkpoint_minutes`` and on SIGTERM/Ctrl-C;
``model.ckpt`` (parameters only, what ``--model`` takes) at the end. Every ``eval_every``
steps the held-out harmonisation loss (soprano given) is recorded in the header's history, and
``best.ckpt`` keeps the parameters where it was lowest.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from sonitus.errors import CheckpointError, SonitusError
from sonitus.training import LoadableConfig

from .harmoniser_model import MASKED, MODEL_NAME, HarmoniserConfig

__all__ = ["HarmoniserTrainConfig", "train", "make_masks", "transpose_cells", "export_model"]


@dataclass(frozen=True)
class HarmoniserTrainConfig(LoadableConfig):
    """Optimisation settings (``--config`` JSON may set any of these and ``model``)."""

    steps: int = 8000
    batch: int = 64
    lr: float = 5e-4
    warmup: int = 300
    weight_decay: float = 0.01
    checkpoint_every: int = 500
    checkpoint_minutes: float = 10.0
    eval_every: int = 250
    #: each segment moved by a random number of semitones in [-transpose, transpose] (kept when
    #: every voice stays in the model's range): more chorales to learn voice leading from
    transpose: int = 0
    model: dict = field(default_factory=dict)


def make_masks(rng: np.random.Generator, count: int, voices: int, steps: int, *, steps_per_bar: int = 8
               ) -> np.ndarray:
    """``bool [count, voices, steps]``: which cells to hide, by the three recipes of the module
    docstring (half orderless, a third harmonisation, the rest whole voices); every mask hides
    at least one cell."""
    masks = np.zeros((count, voices, steps), bool)
    recipe = rng.random(count)
    for i in range(count):
        if recipe[i] < 0.5:
            masks[i] = rng.random((voices, steps)) < rng.random()
        elif recipe[i] < 0.83:
            masks[i, 1:] = True
            if rng.random() < 0.5:
                masks[i, :, :steps_per_bar * int(rng.integers(1, steps // steps_per_bar))] = False
        else:
            masks[i] = (rng.random(voices) < 0.5)[:, None]
        if not masks[i].any():
            masks[i, int(rng.integers(voices)), int(rng.integers(steps))] = True
    return masks


def transpose_cells(cells: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Each segment of ``cells`` ``[n, voices, steps]`` moved by its ``shifts`` semitones; a
    segment whose notes would leave the model's range stays where it was. Rests stay rests."""
    from .rolls import PITCHES

    moved = np.where(cells > 0, cells + shifts[:, None, None], 0)
    fits = np.all((cells == 0) | ((moved >= 1) & (moved <= PITCHES)), axis=(1, 2))
    return np.where(fits[:, None, None], moved, cells).astype(cells.dtype)


def make_steps(config: HarmoniserConfig, tc: HarmoniserTrainConfig):
    """``(model, init, train_step, eval_loss)``, jitted; cached per settings."""
    return _make_steps(config, float(tc.lr), int(tc.warmup), float(tc.weight_decay))


@functools.lru_cache(maxsize=4)
def _make_steps(config: HarmoniserConfig, lr: float, warmup: int, weight_decay: float):
    import jax
    import jax.numpy as jnp
    import optax

    from .harmoniser_model import build_harmoniser

    model = build_harmoniser(config)
    schedule = optax.linear_schedule(0.0, lr, max(1, warmup))
    tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=weight_decay))

    def init(key):
        params = model.init(key, jnp.zeros((1, config.voices, config.steps), jnp.int32))
        return {"params": params, "opt": tx.init(params)}

    def loss_fn(params, cells, masks, key, train):
        inputs = jnp.where(masks, MASKED, cells)
        logits = model.apply(params, inputs, train=train, rngs={"dropout": key} if train else {})
        nll = -jnp.take_along_axis(jax.nn.log_softmax(logits), cells[..., None], axis=-1)[..., 0]
        return jnp.sum(nll * masks) / jnp.maximum(jnp.sum(masks), 1)

    @jax.jit
    def train_step(state, cells, masks, key):
        loss, grads = jax.value_and_grad(loss_fn)(state["params"], cells, masks, key, True)
        updates, opt = tx.update(grads, state["opt"], state["params"])
        return {"params": optax.apply_updates(state["params"], updates), "opt": opt}, {"loss": loss}

    @jax.jit
    def eval_loss(params, cells, masks):
        return loss_fn(params, cells, masks, None, False)

    return model, init, train_step, eval_loss


def chorale_cells(rolls: np.ndarray) -> np.ndarray:
    """``[n, voices, 64]`` sixteenth-grid voice rolls -> ``[n, voices, 32]`` eighth-grid cells."""
    from .harmoniser_model import to_cells

    return to_cells(rolls[..., ::2])


def train(out: str, *, config: HarmoniserTrainConfig, data=None, seed: int = 0, resume: bool = False,
          init: str | None = None, progress: bool | None = None, log=None, until: int | None = None) -> Path:
    """Train on the ``chorales`` dataset (or ``data = (train, held_out)`` int8 voice rolls
    ``[n, 4, 64]``); returns ``model.ckpt`` (``last.ckpt`` when stopped early by ``until``).

    ``resume`` continues ``out/last.ckpt`` exactly; ``init`` starts from a model checkpoint's
    parameters with a fresh optimiser (the next round of a campaign).
    """
    import jax
    from flax import serialization
    from sonitus.checkpoints import save_checkpoint
    from sonitus.rounds import init_checkpoint, progress_of, resume_checkpoint, rounds_after
    from sonitus.training import run_loop

    from .chorales import Chorales

    log = log or (lambda msg: print(msg, flush=True))
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    mc = HarmoniserConfig.from_dict(config.model)
    train_rolls, held_rolls = data if data is not None else Chorales().load()
    cells, held = chorale_cells(train_rolls), chorale_cells(held_rolls)
    if cells.shape[2] != mc.steps:
        raise SonitusError(f"The segments have {cells.shape[2]} eighth-note steps; the model takes {mc.steps}.")
    if len(cells) < config.batch:
        raise SonitusError(f"Only {len(cells)} training segments; need at least a batch of {config.batch}.")
    _, init_state, train_step, eval_loss = make_steps(mc, config)
    key = jax.random.PRNGKey(seed)
    state = init_state(jax.random.fold_in(key, 0))
    last = out_dir / "last.ckpt"
    header = {"config": mc.to_dict(), "train_config": asdict(config), "seed": seed,
              "data": {"segments": int(len(cells)), "held_out_segments": int(len(held)),
                       "dataset": "chorales (music21 Bach corpus, C major / A minor), eighth-note grid",
                       "masks": "orderless 0.5, soprano given 0.33 (half after a given prefix of bars), voices 0.17"}}
    step, history, elapsed = 0, [], 0.0
    if resume:
        ckpt = resume_checkpoint(last, model=MODEL_NAME, header=header)
        state = serialization.from_state_dict(state, ckpt.state)
        step, history, elapsed = progress_of(ckpt)
        log(f"resumed at step {step}")
    elif init:
        ckpt = init_checkpoint(init, model=MODEL_NAME, config_cls=HarmoniserConfig, config=mc)
        state = {**state, "params": serialization.from_state_dict(state["params"], ckpt.state["params"])}
        header["rounds"] = rounds_after(ckpt)
        log(f"initialised from {init} (step {ckpt.step}); fresh optimiser")
    held_masks = np.zeros(held.shape, bool)
    held_masks[:, 1:] = True
    current = {"state": state}

    def batch(s: int):
        rng = np.random.default_rng([seed, 11, s])
        idx = rng.integers(0, len(cells), config.batch)
        chosen = cells[idx]
        if config.transpose:
            chosen = transpose_cells(chosen, rng.integers(-config.transpose, config.transpose + 1, config.batch))
        return chosen, make_masks(rng, config.batch, mc.voices, mc.steps)

    def advance(arrays, at: int) -> dict[str, float]:
        current["state"], metrics = train_step(current["state"], *arrays, jax.random.fold_in(key, at + 1))
        return {k: float(v) for k, v in metrics.items()}

    def after(at: int, metrics: dict[str, float], seconds: float):
        if at % 50 == 0:
            history.append({"step": at, "loss": round(metrics["loss"], 4), "seconds": round(seconds, 1)})
        if at % config.eval_every == 0 or at == config.steps:
            held_loss = float(eval_loss(current["state"]["params"], held, held_masks))
            history.append({"step": at, "held_out_harmonisation_loss": round(held_loss, 4)})
            log(f"step {at}: held-out harmonisation loss {held_loss:.4f}")
            earlier = [h["held_out_harmonisation_loss"] for h in history[:-1] if "held_out_harmonisation_loss" in h]
            # the best so far by held-out loss, as a model checkpoint (compared as the history records them:
            # the unrounded loss against its own rounded entry missed a new best whenever rounding went down)
            if round(held_loss, 4) <= min(earlier, default=float("inf")):
                save_checkpoint(out_dir / "best.ckpt", {"params": current["state"]["params"]}, model=MODEL_NAME,
                                step=at, **header, history=history, train_seconds=round(seconds, 1))
        return {"loss": metrics["loss"]}, False

    def save(at: int, seconds: float, final: bool) -> None:
        extra = {"history": history, "train_seconds": round(seconds, 1)}
        save_checkpoint(last, current["state"], model=MODEL_NAME + "-train", step=at, **header, **extra)
        if final:
            save_checkpoint(out_dir / "model.ckpt", {"params": current["state"]["params"]}, model=MODEL_NAME,
                            step=at, **header, **extra)

    step, elapsed = run_loop(title="training chorale harmoniser", step=step, total=config.steps, elapsed=elapsed,
                             batch=batch, advance=advance, save=save, last=last, every=config.checkpoint_every,
                             minutes=config.checkpoint_minutes, until=until, after=after, prefetch=True,
                             per_epoch=max(1, len(cells) // config.batch), progress=progress, log=log)
    if step < config.steps:
        return last
    log(f"done: {step} steps in {elapsed / 60:.1f} min; model {out_dir / 'model.ckpt'}")
    return out_dir / "model.ckpt"


def export_model(checkpoint: str | Path, out: str | Path) -> Path:
    """A training checkpoint (``last.ckpt``, any step) written as a model checkpoint (parameters only)."""
    from sonitus.checkpoints import load_checkpoint, save_checkpoint

    ckpt = load_checkpoint(checkpoint)
    if ckpt.header.get("model") not in (MODEL_NAME, MODEL_NAME + "-train"):
        raise CheckpointError(f"{checkpoint} holds a '{ckpt.header.get('model')}' model, not {MODEL_NAME}.")
    extra = {k: v for k, v in ckpt.header.items() if k not in ("model", "config", "step", "version")}
    return save_checkpoint(out, {"params": ckpt.state["params"]}, model=MODEL_NAME, config=ckpt.config,
                           step=ckpt.step, **extra)
