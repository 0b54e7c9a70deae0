"""Training the chorale GAN with WGAN-GP (Optax, jitted), with checkpoints that resume.

A step is ``n_critic`` critic updates (Wasserstein loss + gradient penalty on
interpolates between real one-hot rolls and generated probabilities) and one generator
update. Batch ``k`` and its noise depend only on (seed, k), so a killed and resumed run
ends with the same weights. Every ``sample_every`` steps the run writes
``samples/step-N.mid`` and ``.png`` (a piano roll); ``last.ckpt`` is written atomically every
``checkpoint_every`` steps, every ``checkpoint_minutes`` and on SIGTERM/Ctrl-C;
``model.ckpt`` (generator only, what ``--model`` takes) at the end.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from sonitus.adversarial import gradient_penalty
from sonitus.errors import SonitusError
from sonitus.training import LoadableConfig

from . import rounds
from .model import MODEL_NAME, GANConfig

__all__ = ["GANTrainConfig", "train", "make_steps", "MODEL_NAME", "export_model", "export_state"]


@dataclass(frozen=True)
class GANTrainConfig(LoadableConfig):
    """Optimisation settings (``--config`` JSON may set any of these and ``model``)."""

    steps: int = 6000
    batch: int = 32
    n_critic: int = 5
    lr: float = 2e-4
    gp_weight: float = 10.0
    checkpoint_every: int = 500
    checkpoint_minutes: float = 10.0
    sample_every: int = 500
    model: dict = field(default_factory=dict)


def make_steps(config: GANConfig, tc: GANTrainConfig):
    """``(generator, critic, init, train_step)``; ``train_step(state, reals[n_critic, batch, ...], key)``
    is jitted and runs ``n_critic`` critic updates and one generator update. Cached: runs with
    the same model and optimiser settings share their compiled steps."""
    return _make_steps(config, float(tc.lr), float(tc.gp_weight))


@functools.lru_cache(maxsize=4)
def _make_steps(config: GANConfig, lr: float, gp_weight: float):
    import jax
    import jax.numpy as jnp
    import optax

    from .model import build_critic, build_generator, sample_latents

    gen, critic = build_generator(config), build_critic(config)
    g_tx = optax.adam(lr, b1=0.5, b2=0.9)
    c_tx = optax.adam(lr, b1=0.5, b2=0.9)

    def init(key):
        z = sample_latents(key, 2, config)
        g_params = gen.init(key, z)
        fake = gen.apply(g_params, z)
        c_params = critic.init(key, fake)
        return {"g": g_params, "c": c_params, "g_opt": g_tx.init(g_params), "c_opt": c_tx.init(c_params)}

    def critic_loss(c_params, g_params, real, key):
        k1, k2 = jax.random.split(key)
        fake = jax.lax.stop_gradient(gen.apply(g_params, sample_latents(k1, real.shape[0], config)))
        penalty = gradient_penalty(lambda x: critic.apply(c_params, x), real, fake, k2)
        wasserstein = jnp.mean(critic.apply(c_params, fake)) - jnp.mean(critic.apply(c_params, real))
        return wasserstein + gp_weight * penalty, wasserstein

    def generator_loss(g_params, c_params, key, batch):
        fake = gen.apply(g_params, sample_latents(key, batch, config))
        return -jnp.mean(critic.apply(c_params, fake))

    @jax.jit
    def train_step(state, reals, key):
        keys = jax.random.split(key, reals.shape[0] + 1)
        c_params, c_opt, distance = state["c"], state["c_opt"], 0.0
        for i in range(reals.shape[0]):
            (_, distance), grads = jax.value_and_grad(critic_loss, has_aux=True)(c_params, state["g"], reals[i],
                                                                                 keys[i])
            updates, c_opt = c_tx.update(grads, c_opt, c_params)
            c_params = optax.apply_updates(c_params, updates)
        g_loss, g_grads = jax.value_and_grad(generator_loss)(state["g"], c_params, keys[-1], reals.shape[1])
        updates, g_opt = g_tx.update(g_grads, state["g_opt"], state["g"])
        new = {"g": optax.apply_updates(state["g"], updates), "c": c_params, "g_opt": g_opt, "c_opt": c_opt}
        return new, {"wasserstein": -distance, "g_loss": g_loss}

    return gen, critic, init, train_step


def train(out: str, *, config: GANTrainConfig, data=None, seed: int = 0, resume: bool = False,
          init: str | None = None, progress: bool | None = None, log=None, until: int | None = None) -> Path:
    """Train on the ``chorales`` dataset (or ``data``: int8 voice rolls ``[n, 4, 64]``); returns model.ckpt.

    ``init`` starts from a model checkpoint's generator and critic with fresh optimisers
    (the next round of a training campaign); ``resume`` continues ``out/last.ckpt`` exactly.
    """
    import jax

    from .chorales import Chorales
    from .rolls import one_hot, quantise, to_score

    log = log or (lambda msg: print(msg, flush=True))
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    mc = GANConfig.from_dict(config.model)
    if data is None:
        data, _ = Chorales().load()
    data = quantise(data, mc.grid)  # the generator cannot write finer notes: neither may the critic see them
    if len(data) < config.batch:
        raise SonitusError(f"Only {len(data)} training segments; need at least a batch of {config.batch}.")
    gen, _, init_state, train_step = make_steps(mc, config)
    key = jax.random.PRNGKey(seed)
    state = init_state(jax.random.fold_in(key, 0))
    last = out_dir / "last.ckpt"
    header = {"config": mc.to_dict(), "train_config": asdict(config), "seed": seed,
              "data": {"segments": int(len(data)), "dataset": "chorales (music21 Bach corpus, C major / A minor)"}}
    state, step, history, elapsed = rounds.starting_state(state, header, last=last, resume=resume, init=init,
                                                   model_name=MODEL_NAME, config=mc, config_cls=GANConfig, log=log)

    def batch(s: int) -> tuple[np.ndarray]:
        rng = np.random.default_rng([seed, 7, s])
        idx = rng.integers(0, len(data), (config.n_critic, config.batch))
        rolls = one_hot(data[idx.ravel()])
        return (rolls.reshape(config.n_critic, config.batch, *rolls.shape[1:]),)

    return rounds.run_steps(
        title="training chorale GAN", out_dir=out_dir, model_name=MODEL_NAME, state=state, step=step,
        history=history, elapsed=elapsed, header=header, config=config, key=key, batch=batch,
        train_step=train_step, export=export_state, progress=progress, log=log, until=until,
        per_epoch=max(1, len(data) // (config.batch * config.n_critic)),
        sample=lambda s, st: _write_samples(out_dir / "samples", s, gen, st["g"], mc, to_score))


def export_state(state: dict, out: str | Path, *, step: int, header: dict) -> Path:
    """The shipped form of a training state: generator and critic parameters, no optimiser
    state (a later round starts from them with fresh optimisers)."""
    return rounds.export_state(state, out, model_name=MODEL_NAME, step=step, header=header)


def export_model(checkpoint: str | Path, out: str | Path) -> Path:
    """Write a training checkpoint (``last.ckpt``, any step) as a model checkpoint for ``--model``."""
    return rounds.export_model(checkpoint, out, model_name=MODEL_NAME)


def _write_samples(folder: Path, step: int, gen, params, config: GANConfig, to_score) -> None:
    import jax
    from sonitus.plots import pianoroll_png

    from .model import sample_latents

    folder.mkdir(parents=True, exist_ok=True)
    probs = np.asarray(gen.apply(params, sample_latents(jax.random.PRNGKey(step), 1, config)))
    roll = _decode(probs)[0]
    score = to_score(roll)
    score.save(folder / f"step-{step:06d}.mid")
    pianoroll_png(score, folder / f"step-{step:06d}.png", title=f"chorale GAN sample, step {step}")


def _decode(probs: np.ndarray) -> np.ndarray:
    """Most likely class of each (step, voice) -> voice rolls ``[B, voices, steps]``."""
    from .rolls import from_classes

    return from_classes(np.swapaxes(np.argmax(probs, axis=2), 1, 2))
