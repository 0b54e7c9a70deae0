"""Training the notes GAN: WGAN-GP with auxiliary pitch and instrument losses (Optax, jitted).

A step is ``n_critic`` critic updates and one generator update. Fakes are drawn for the
labels of the real batch beside them, so the critic compares like with like; the critic's
auxiliary heads learn pitch and family from real notes only and the generator is asked to
make notes that they classify as the conditioned ones. Batch ``k`` and its noise depend
only on (seed, k), so a killed and resumed run ends with the same weights. Every
``sample_every`` steps the run writes ``samples/step-N.png`` (a grid of spectrograms) and
``samples/step-N.wav`` (the same notes rendered with Griffin-Lim, one after the other);
``last.ckpt`` is written atomically every ``checkpoint_every`` steps, every
``checkpoint_minutes`` and on SIGTERM/Ctrl-C; ``model.ckpt`` at the end.
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
from .notes import FORMAT, NoteSet
from .notes_model import MODEL_NAME, NotesGANConfig

__all__ = ["NotesTrainConfig", "make_steps", "train", "export_state", "export_model"]


@dataclass(frozen=True)
class NotesTrainConfig(LoadableConfig):
    """Optimisation settings (``--config`` JSON may set any of these and ``model``)."""

    steps: int = 4000
    batch: int = 24
    n_critic: int = 2
    lr: float = 2e-4
    gp_weight: float = 10.0
    aux_weight: float = 1.0
    checkpoint_every: int = 250
    checkpoint_minutes: float = 10.0
    sample_every: int = 250
    model: dict = field(default_factory=dict)


def make_steps(config: NotesGANConfig, tc: NotesTrainConfig):
    """``(generator, critic, init, train_step)``; ``train_step(state, images[n_critic, B, T, M],
    labels (dict of [n_critic, B]), key)`` is jitted. Cached per model and optimiser settings."""
    return _make_steps(config, float(tc.lr), float(tc.gp_weight), float(tc.aux_weight))


@functools.lru_cache(maxsize=4)
def _make_steps(config: NotesGANConfig, lr: float, gp_weight: float, aux_weight: float):
    import jax
    import jax.numpy as jnp
    import optax

    from .notes_model import build_critic, build_generator

    gen, critic = build_generator(config), build_critic(config)
    g_tx = optax.adam(lr, b1=0.5, b2=0.9)
    c_tx = optax.adam(lr, b1=0.5, b2=0.9)

    def init(key):
        labels = {"pitch": jnp.full((2,), 60), "family": jnp.zeros((2,), jnp.int32), "velocity": jnp.full((2,), 80)}
        z = jax.random.normal(key, (2, config.latent))
        g_params = gen.init(key, z, labels)
        c_params = critic.init(key, gen.apply(g_params, z, labels), labels)
        return {"g": g_params, "c": c_params, "g_opt": g_tx.init(g_params), "c_opt": c_tx.init(c_params)}

    def aux_loss(pitch_logits, family_logits, labels):
        pitch = jnp.clip(labels["pitch"] - config.pitch_low, 0, config.pitches - 1)
        return (optax.softmax_cross_entropy_with_integer_labels(pitch_logits, pitch).mean()
                + optax.softmax_cross_entropy_with_integer_labels(family_logits, labels["family"]).mean())

    def critic_loss(c_params, g_params, real, labels, key):
        k1, k2 = jax.random.split(key)
        fake = jax.lax.stop_gradient(gen.apply(g_params, jax.random.normal(k1, (real.shape[0], config.latent)),
                                               labels))
        # the gradient penalty is an expectation: a third of the batch estimates it at a third
        # of the cost (its double backward pass is most of a critic step)
        n = max(1, real.shape[0] // 3)
        part = {k: v[:n] for k, v in labels.items()}
        penalty = gradient_penalty(lambda x: critic.apply(c_params, x, part)[0], real[:n], fake[:n], k2)
        real_score, pitch_logits, family_logits = critic.apply(c_params, real, labels)
        fake_score = critic.apply(c_params, fake, labels)[0]
        wasserstein = jnp.mean(fake_score) - jnp.mean(real_score)
        aux = aux_loss(pitch_logits, family_logits, labels)
        return wasserstein + gp_weight * penalty + aux_weight * aux, (wasserstein, aux)

    def generator_loss(g_params, c_params, labels, key):
        fake = gen.apply(g_params, jax.random.normal(key, (labels["pitch"].shape[0], config.latent)), labels)
        score, pitch_logits, family_logits = critic.apply(c_params, fake, labels)
        aux = aux_loss(pitch_logits, family_logits, labels)
        return -jnp.mean(score) + aux_weight * aux, aux

    @jax.jit
    def train_step(state, images, labels, key):
        keys = jax.random.split(key, images.shape[0] + 1)
        c_params, c_opt = state["c"], state["c_opt"]
        distance = real_aux = 0.0
        for i in range(images.shape[0]):
            batch_labels = {k: v[i] for k, v in labels.items()}
            (_, (distance, real_aux)), grads = jax.value_and_grad(critic_loss, has_aux=True)(
                c_params, state["g"], images[i], batch_labels, keys[i])
            updates, c_opt = c_tx.update(grads, c_opt, c_params)
            c_params = optax.apply_updates(c_params, updates)
        last_labels = {k: v[-1] for k, v in labels.items()}
        (_, fake_aux), g_grads = jax.value_and_grad(generator_loss, has_aux=True)(state["g"], c_params,
                                                                                  last_labels, keys[-1])
        updates, g_opt = g_tx.update(g_grads, state["g_opt"], state["g"])
        new = {"g": optax.apply_updates(state["g"], updates), "c": c_params, "g_opt": g_opt, "c_opt": c_opt}
        return new, {"wasserstein": -distance, "real_aux": real_aux, "fake_aux": fake_aux}

    return gen, critic, init, train_step


def train(out: str, *, config: NotesTrainConfig, data: NoteSet | None = None, seed: int = 0,
          resume: bool = False, init: str | None = None, progress: bool | None = None, log=None,
          until: int | None = None) -> Path:
    """Train on the ``gm-notes`` dataset (or ``data``, a :class:`NoteSet`); returns model.ckpt.

    ``init`` starts from a model checkpoint's generator and critic with fresh optimisers
    (the next round of a campaign); ``resume`` continues ``out/last.ckpt`` exactly.
    """
    import jax

    from .notes import GMNotes

    log = log or (lambda msg: print(msg, flush=True))
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    mc = NotesGANConfig.from_dict(config.model)
    if data is None:
        data, _ = GMNotes().load()
    if len(data) < config.batch:
        raise SonitusError(f"Only {len(data)} training notes; need at least a batch of {config.batch}.")
    gen, _, init_state, train_step = make_steps(mc, config)
    key = jax.random.PRNGKey(seed)
    state = init_state(jax.random.fold_in(key, 0))
    last = out_dir / "last.ckpt"
    header = {"config": mc.to_dict(), "train_config": asdict(config), "seed": seed,
              "data": {"notes": int(len(data)), "dataset": "gm-notes (General MIDI SoundFont via FluidSynth)",
                       "format": FORMAT}}
    state, step, history, elapsed = rounds.starting_state(state, header, last=last, resume=resume, init=init,
                                                   model_name=MODEL_NAME, config=mc, config_cls=NotesGANConfig, log=log)

    def batch(s: int):
        rng = np.random.default_rng([seed, 11, s])
        idx = rng.integers(0, len(data), (config.n_critic, config.batch))
        images = data.images[idx].astype(np.float32)
        labels = {"pitch": data.pitch[idx], "family": data.family[idx], "velocity": data.velocity[idx]}
        return images, labels

    return rounds.run_steps(
        title="training notes GAN", out_dir=out_dir, model_name=MODEL_NAME, state=state, step=step,
        history=history, elapsed=elapsed, header=header, config=config, key=key, batch=batch,
        train_step=train_step, export=export_state, progress=progress, log=log, until=until,
        per_epoch=max(1, len(data) // (config.batch * config.n_critic)), shown=("wasserstein", "fake_aux"),
        sample=lambda s, st: _write_samples(out_dir / "samples", s, gen, st["g"], mc))


def export_state(state: dict, out: str | Path, *, step: int, header: dict) -> Path:
    """The shipped form of a training state: generator and critic parameters, no optimiser
    state (a later round starts from them with fresh optimisers)."""
    return rounds.export_state(state, out, model_name=MODEL_NAME, step=step, header=header)


def export_model(checkpoint: str | Path, out: str | Path) -> Path:
    """Write a training checkpoint (``last.ckpt``, any step) as a model checkpoint for ``--model``."""
    return rounds.export_model(checkpoint, out, model_name=MODEL_NAME)


def _write_samples(folder: Path, step: int, gen, params, config: NotesGANConfig) -> None:
    """A PNG grid (one row per family, pitches 48, 60, 72 at velocity 80) and a WAV of the
    same notes in the grid's order, each followed by a quarter second of silence."""
    import jax
    from sonitus import Audio
    from sonitus.plots import image_grid_png

    from .notes import FAMILIES, SPEC, render_images

    folder.mkdir(parents=True, exist_ok=True)
    pitches = (48, 60, 72)
    labels = {"pitch": np.tile(pitches, config.families),
              "family": np.repeat(np.arange(config.families), len(pitches)),
              "velocity": np.full(config.families * len(pitches), 80)}
    z = jax.random.normal(jax.random.PRNGKey(step), (len(labels["pitch"]), config.latent))
    images = np.asarray(gen.apply(params, z, labels))
    titles = [f"{name} {p}" for name in FAMILIES for p in pitches]
    image_grid_png([np.swapaxes(im, 0, 1) for im in images], folder / f"step-{step:06d}.png", titles=titles,
                   columns=len(pitches), title=f"notes GAN samples, step {step}")
    notes = render_images(images)
    gap = np.zeros((len(notes), SPEC.sample_rate // 4), np.float32)
    Audio(np.concatenate([notes, gap], axis=1).reshape(-1), SPEC.sample_rate).save(folder / f"step-{step:06d}.wav")
