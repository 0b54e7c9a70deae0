"""What the GANs share: where a run starts (fresh, ``--resume``, ``--init``), the training
loop, the shipped form of a training state (generator + critic, no optimiser state) and
loading a generator from it."""

from __future__ import annotations

from pathlib import Path

from sonitus.errors import CheckpointError


def starting_state(state: dict, header: dict, *, last: Path, resume: bool, init: str | None, model_name: str,
                   config, config_cls, log) -> tuple[dict, int, list, float]:
    """``(state, step, history, train_seconds)`` to start from; updates ``header["rounds"]``.

    ``resume`` continues ``last`` exactly; ``init`` takes a model checkpoint's generator and
    critic (a new round of a campaign, fresh optimisers); else the fresh ``state``.
    """
    from flax import serialization
    from sonitus.rounds import init_checkpoint, progress_of, resume_checkpoint, rounds_after

    if resume:
        ckpt = resume_checkpoint(last, model=model_name, header=header)
        log(f"resumed at step {ckpt.step}")
        step, history, seconds = progress_of(ckpt)
        return serialization.from_state_dict(state, ckpt.state), step, history, seconds
    if init:
        ckpt = init_checkpoint(init, model=model_name, config_cls=config_cls, config=config)
        if "critic" not in ckpt.state:
            raise CheckpointError(f"--init {init} holds no critic: give a {model_name} model checkpoint "
                                  f"written by 'sonitus train gan', which keeps it.")
        state = {**state, "g": serialization.from_state_dict(state["g"], ckpt.state["params"]),
                 "c": serialization.from_state_dict(state["c"], ckpt.state["critic"])}
        header["rounds"] = rounds_after(ckpt)
        log(f"initialised from {init} (step {ckpt.step}); fresh optimisers")
    return state, 0, [], 0.0


def export_state(state: dict, out: str | Path, *, model_name: str, step: int, header: dict) -> Path:
    """Generator and critic parameters of a training state as a model checkpoint;
    ``header["config"]`` is the model config as a dict."""
    from sonitus.checkpoints import save_checkpoint

    extra = {k: v for k, v in header.items() if k not in ("model", "config", "step", "version")}
    return save_checkpoint(out, {"params": state["g"], "critic": state["c"]}, model=model_name,
                           config=header["config"], step=step, **extra)


def export_model(checkpoint: str | Path, out: str | Path, *, model_name: str) -> Path:
    """A training checkpoint (``last.ckpt``, any step) written as a model checkpoint."""
    from sonitus.checkpoints import load_checkpoint

    ckpt = load_checkpoint(checkpoint)
    if ckpt.header.get("model") not in (model_name, model_name + "-train"):
        raise CheckpointError(f"{checkpoint} holds a '{ckpt.header.get('model')}' model, not {model_name}.")
    return export_state(ckpt.state, out, model_name=model_name, step=ckpt.step, header=ckpt.header)


def run_steps(*, title: str, out_dir: Path, model_name: str, state: dict, step: int, history: list, elapsed: float,
              header: dict, config, key, batch, train_step, sample, export, per_epoch: int, progress, log,
              until: int | None, shown: tuple[str, ...] = ("wasserstein",)) -> Path:
    """Both GANs' training: :func:`sonitus.training.run_loop` over ``train_step(state,
    *batch(s), key)`` until ``config.steps``, data-parallel over every device JAX sees
    (batches ``[n_critic, batch, ...]`` split along the batch axis), every metric in
    ``history`` each 50 steps, ``sample(step, state)`` every ``config.sample_every`` steps,
    ``last.ckpt`` on schedule and ``model.ckpt`` (``export(state, path, step, header)``) at
    the end. Returns the model checkpoint, or ``last.ckpt`` when stopped early."""
    import jax
    from sonitus.checkpoints import save_checkpoint
    from sonitus.training import DataParallel, run_loop

    last = out_dir / "last.ckpt"
    # batches are [n_critic, batch, ...]: split over the devices along axis 1, state on all
    parallel = DataParallel(batch_axis=1)
    parallel.check_batch(config.batch)
    current = {"state": parallel.replicate(state)}

    def save(at: int, seconds: float, final: bool) -> None:
        extra = {"history": history, "train_seconds": round(seconds, 1)}
        save_checkpoint(last, current["state"], model=model_name + "-train", step=at, **header, **extra)
        if final:
            export(current["state"], out_dir / "model.ckpt", step=at, header={**header, **extra})

    def advance(arrays, at: int) -> dict[str, float]:
        current["state"], metrics = train_step(current["state"], *parallel.shard(*arrays),
                                               jax.random.fold_in(key, at + 1))
        return {k: float(v) for k, v in metrics.items()}

    def after(at: int, metrics: dict[str, float], seconds: float) -> tuple[dict, bool]:
        if at % 50 == 0:
            history.append({"step": at, **{k: round(v, 4) for k, v in metrics.items()}, "seconds": round(seconds, 1)})
        if at % config.sample_every == 0 or at == config.steps:
            sample(at, current["state"])
        return {k: metrics[k] for k in shown}, False

    if step >= config.steps and not (out_dir / "model.ckpt").exists():
        save(step, elapsed, True)
    step, elapsed = run_loop(title=title, step=step, total=config.steps, elapsed=elapsed, batch=batch, advance=advance,
                             save=save, last=last, every=config.checkpoint_every, minutes=config.checkpoint_minutes,
                             until=until, watch="wasserstein", after=after, per_epoch=per_epoch, progress=progress,
                             log=log, diverged_hint="lower lr in --config")
    if step < config.steps:
        return last
    log(f"done: {step} steps in {elapsed / 60:.1f} min; model {out_dir / 'model.ckpt'}")
    return out_dir / "model.ckpt"


def load_generator_params(path: str | None, *, shipped: Path, what: str, model_name: str, config_cls,
                          train_command: str) -> tuple:
    """``(config, generator params, header)`` of a GAN checkpoint (``path``, else ``shipped``),
    with errors that say what to do when it is missing or holds another model."""
    from sonitus.checkpoints import load_checkpoint

    p = Path(path) if path else shipped
    if not p.exists():
        raise CheckpointError(f"{what} {p} does not exist; " + (
            "check the path, or leave out --model for the shipped one." if path
            else f"this install ships none: train one with '{train_command}'."))
    ckpt = load_checkpoint(p)
    if ckpt.header.get("model") not in (model_name, model_name + "-train"):
        raise CheckpointError(f"{p} holds a '{ckpt.header.get('model')}' model, not a {model_name}.")
    if "params" not in ckpt.state and "g" not in ckpt.state:
        raise CheckpointError(f"{p} has no generator parameters in it: it is not a complete {model_name} "
                              f"checkpoint; re-export or retrain it.")
    params = ckpt.state["params"] if "params" in ckpt.state else ckpt.state["g"]
    return ckpt.model_config(config_cls), params, dict(ckpt.header)
