"""Gibbs sampling with the chorale harmoniser: fill the free cells of a chorale of any length.

:func:`fill` is the algorithm (Coconet's annealed blocked Gibbs sampling, one 4-bar window at a
time): the cells given (a soprano, bars already written) stay; the free ones start masked and
are drawn again and again, a shrinking random share of them at each pass, each from the model's
distribution given all the others, less a penalty for each parallel fifth or octave a pitch
would make with the voices around it. Windows overlap by half: each later window sees the bars
the one before it wrote, so a long melody is harmonised without seams.

>>> cells = fill(given, free, seed=0)          # doctest: +SKIP  int32 [voices, steps], eighth notes
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from sonitus.errors import CheckpointError

from .harmoniser_model import MASKED, MODEL_NAME, HarmoniserConfig

__all__ = ["default_model_path", "load_harmoniser", "fill", "parallels", "GIBBS_PASSES", "PARALLEL_PENALTY"]

#: Gibbs passes a window gets (Coconet's schedule: the masked share falls from 1 to 0.05 over
#: the first three quarters)
GIBBS_PASSES = 96
#: logits taken from a pitch for each parallel fifth or octave it would make (a voice-leading
#: rule of the sampler, as Whisper's logit rules are of its decoder)
PARALLEL_PENALTY = 3.0


def default_model_path() -> Path:
    """The harmoniser shipped in the package (``plugins/gan/weights/chorale-harmoniser.ckpt``)."""
    return Path(__file__).with_name("weights") / "chorale-harmoniser.ckpt"


@functools.lru_cache(maxsize=2)
def load_harmoniser(path: str | None = None):
    """``(config, sample_window, header)``: ``sample_window(cells, free, key, temperature)``
    runs the Gibbs passes on a batch of windows ``int32 [B, voices, steps]`` (jitted)."""
    import jax
    import jax.numpy as jnp
    from sonitus.checkpoints import load_checkpoint

    from .harmoniser_model import build_harmoniser

    p = Path(path) if path else default_model_path()
    if not p.exists():
        raise CheckpointError(f"Chorale harmoniser {p} does not exist; " + (
            "check the path, or leave out --model for the shipped one." if path
            else "this install ships none: train one with 'sonitus train gan harmoniser'."))
    ckpt = load_checkpoint(p)
    if ckpt.header.get("model") not in (MODEL_NAME, MODEL_NAME + "-train"):
        raise CheckpointError(f"{p} holds a '{ckpt.header.get('model')}' model, not a {MODEL_NAME}.")
    config = ckpt.model_config(HarmoniserConfig)
    params = ckpt.state["params"]
    model = build_harmoniser(config)

    @jax.jit
    def sample_window(cells, free, key, temperature, parallel_penalty):
        def one_pass(n, carry):
            cells, key = carry
            key, k_mask, k_draw = jax.random.split(key, 3)
            share = jnp.maximum(0.05, 1.0 - 0.95 * n / (0.75 * GIBBS_PASSES))
            masked = free & (jax.random.uniform(k_mask, cells.shape, "float32") < share)
            logits = model.apply(params, jnp.where(masked, MASKED, cells))
            logits = logits - parallel_penalty * parallels(jnp.where(masked, 0, cells))
            drawn = jax.random.categorical(k_draw, logits / temperature).astype(cells.dtype)  # int64 under x64
            return jnp.where(masked, drawn, cells), key

        cells = jnp.where(free, MASKED, cells)
        cells, _ = jax.lax.fori_loop(0, GIBBS_PASSES, one_pass, (cells, key))
        return cells

    return config, sample_window, dict(ckpt.header)


def parallels(cells):
    """``[B, V, T, CLASSES]``: for each cell on a beat (even eighth-note steps) and each class it
    could take, how many parallel fifths or octaves that pitch would make with the other voices
    as they stand, from the beat before and to the beat after (rests and unknown cells make none)."""
    import jax.numpy as jnp

    from .rolls import CLASSES, LOWEST

    pitch = jnp.where(cells > 0, cells + LOWEST - 1, jnp.nan).astype(jnp.float32)        # [B, V, T]
    candidate = jnp.where(jnp.arange(CLASSES) > 0, jnp.arange(CLASSES) + LOWEST - 1, jnp.nan).astype(jnp.float32)
    nan_beat = jnp.full(pitch.shape[:2] + (2,), jnp.nan)
    before = jnp.concatenate([nan_beat, pitch[..., :-2]], axis=-1)                      # the beat before
    after = jnp.concatenate([pitch[..., 2:], nan_beat], axis=-1)                        # the beat after
    c = candidate[None, None, None, None, :]                                            # [1, 1, 1, 1, C]

    def perfect(a, b):
        return ((jnp.abs(a) % 12 == 7) & (jnp.abs(b) % 12 == 7)) | ((jnp.abs(a) % 12 == 0) & (jnp.abs(b) % 12 == 0))

    def same_way(a, b):
        return (jnp.sign(a) == jnp.sign(b)) & (a != 0)

    # v: the cell's voice (axis 1), u: another voice (axis 2)
    pv_prev, pv_next = before[:, :, None, :, None], after[:, :, None, :, None]
    pu_prev, pu_now, pu_next = (x[:, None, :, :, None] for x in (before, pitch, after))
    into = perfect(pv_prev - pu_prev, c - pu_now) & same_way(c - pv_prev, pu_now - pu_prev)
    out_of = perfect(c - pu_now, pv_next - pu_next) & same_way(pv_next - c, pu_next - pu_now)
    other = ~jnp.eye(cells.shape[1], dtype=bool)[None, :, :, None, None]
    count = jnp.sum((into | out_of) & other, axis=2)                                    # [B, V, T, C]
    on_beat = (jnp.arange(cells.shape[2]) % 2 == 0)[None, None, :, None]
    return jnp.where(on_beat, count, 0).astype(jnp.float32)


def window_starts(steps: int, window: int) -> list[int]:
    """Starts of the windows that cover ``steps``: every half window, the last one flush with the end."""
    if steps <= window:
        return [0]
    hop = window // 2
    starts = list(range(0, steps - window + 1, hop))
    if starts[-1] + window < steps:
        starts.append(steps - window)
    return starts


def fill(given: np.ndarray, free: np.ndarray, *, seed: int = 0, temperature: float = 1.0,
         parallel_penalty: float = PARALLEL_PENALTY, model: str | None = None) -> np.ndarray:
    """Cells ``int32 [voices, steps]`` (or a batch ``[n, voices, steps]``, eighth notes) with
    every ``free`` cell drawn by the model.

    ``given`` holds the fixed cells (classes; free cells may hold anything); pieces shorter
    than a window are padded with rests that all voices keep. ``parallel_penalty`` is taken from
    the logit of each pitch per parallel fifth or octave it would make (0: the model alone).
    """
    import jax
    from sonitus.progress import track

    config, sample_window, _ = load_harmoniser(model)
    single = np.ndim(given) == 2
    cells = np.array(given, np.int32)[None] if single else np.array(given, np.int32)
    free = np.array(free, bool)[None] if single else np.array(free, bool)
    steps = cells.shape[2]
    if steps < config.steps:
        pad = ((0, 0), (0, 0), (0, config.steps - steps))
        cells, free = np.pad(cells, pad), np.pad(free, pad)
    key = jax.random.PRNGKey(seed)
    starts = window_starts(cells.shape[2], config.steps)
    hidden = True if len(starts) < 8 else None  # None: a bar where stderr is a terminal (5 min of melody: 30 s)
    for n, start in track(enumerate(starts), description="harmonising", total=len(starts), disable=hidden):
        span = slice(start, start + config.steps)
        out = sample_window(cells[:, :, span], free[:, :, span], jax.random.fold_in(key, n), float(temperature),
                            float(parallel_penalty))
        cells[:, :, span] = np.asarray(out)
        free[:, :, span] = False
    cells = cells[:, :, :steps]
    return cells[0] if single else cells
