"""sonitus.training: the shared training loop and data-parallel placement, on toy updates."""

import math

import numpy as np
import pytest
from sonitus.errors import TrainingError
from sonitus.training import DataParallel, run_loop


def _toy(total, *, until=None, prefetch=False, bad_step=None, every=3, start=0):
    """A loop whose update adds the batch number to a counter; returns what it saw."""
    seen, saves, shown = [], [], []
    state = {"sum": 0}

    def batch(step):
        return step * 10

    def advance(value, step):
        seen.append((step, value))
        state["sum"] += value
        return {"loss": math.nan if step == bad_step else 1.0 / (step + 1)}

    def after(step, metrics, seconds):
        shown.append(step)
        return {"loss": metrics["loss"]}, False

    step, seconds = run_loop(title="toy", step=start, total=total, elapsed=0.0, batch=batch, advance=advance,
                             save=lambda s, t, final: saves.append((s, final)), last="last.ckpt", every=every,
                             minutes=60, until=until, after=after, prefetch=prefetch, progress=False,
                             log=lambda m: None)
    return step, seconds, seen, saves, shown, state["sum"]


@pytest.mark.parametrize("prefetch", [False, True])
def test_the_loop_runs_every_step_in_order_and_saves_on_its_clock(prefetch):
    step, seconds, seen, saves, shown, total = _toy(7, prefetch=prefetch)
    assert step == 7 and seconds >= 0
    assert seen == [(s, s * 10) for s in range(7)]  # prefetching changes nothing the update sees
    assert saves == [(3, False), (6, False), (7, True)]
    assert shown == list(range(1, 8)) and total == sum(s * 10 for s in range(7))


def test_until_stops_early_with_a_checkpoint_and_a_resumed_loop_finishes():
    step, _, seen, saves, _, _ = _toy(10, until=4, every=100)
    assert step == 4 and saves == [(4, False)] and len(seen) == 4
    step, _, seen, saves, _, _ = _toy(10, start=4, every=100)
    assert step == 10 and seen[0] == (4, 40) and saves == [(10, True)]


def test_a_diverging_update_is_a_training_error_that_names_the_step():
    with pytest.raises(TrainingError, match=r"diverged at step 2 \(loss nan\); lower the learning rate"):
        _toy(5, bad_step=2)


def test_data_parallel_checks_batches_and_places_on_every_device():
    parallel = DataParallel(batch_axis=1)
    assert parallel.devices >= 1
    parallel.check_batch(parallel.devices * 4)
    if parallel.devices > 1:
        with pytest.raises(TrainingError, match="does not split over"):
            parallel.check_batch(parallel.devices * 4 + 1)
    x, = parallel.shard(np.zeros((2, parallel.devices * 4, 3), np.float32))
    assert x.shape == (2, parallel.devices * 4, 3) and len(x.sharding.device_set) == parallel.devices
    state = parallel.replicate({"w": np.ones(3, np.float32)})
    assert np.asarray(state["w"]).tolist() == [1.0, 1.0, 1.0]
