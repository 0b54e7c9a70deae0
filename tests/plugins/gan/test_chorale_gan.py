"""The chorale GAN: shapes, a critic that learns, checkpoints, the generator stage and the CLI."""

from pathlib import Path

import numpy as np
import pytest
from chorale_data import scale_chorales
from sonitus.plugins.gan.model import GANConfig
from sonitus.plugins.gan.rolls import CLASSES, REST

SMALL = {"width": 32, "critic_width": 16, "z_shared": 8, "z_voice": 4, "z_temporal": 4}




def test_generator_and_critic_shapes():
    import jax
    from sonitus.plugins.gan.model import build_critic, build_generator, sample_latents

    config = GANConfig(**SMALL)
    gen, critic = build_generator(config), build_critic(config)
    z = sample_latents(jax.random.PRNGKey(0), 3, config)
    params = gen.init(jax.random.PRNGKey(1), z)
    probs = np.asarray(gen.apply(params, z))
    assert probs.shape == (3, 64, CLASSES, 4)
    assert np.all(probs >= 0) and np.allclose(probs.sum(axis=2), 1, atol=1e-5)
    scores = critic.apply(critic.init(jax.random.PRNGKey(2), probs), probs)
    assert scores.shape == (3,)


def test_an_eighth_note_generator_holds_every_note_for_two_sixteenths():
    import jax
    from sonitus.errors import ParameterError
    from sonitus.plugins.gan.model import build_generator, sample_latents
    from sonitus.plugins.gan.rolls import quantise

    config = GANConfig(**SMALL, grid=8)
    gen = build_generator(config)
    z = sample_latents(jax.random.PRNGKey(0), 2, config)
    probs = np.asarray(gen.apply(gen.init(jax.random.PRNGKey(1), z), z))
    assert probs.shape == (2, 64, CLASSES, 4)
    np.testing.assert_array_equal(probs[:, 0::2], probs[:, 1::2])
    assert not np.allclose(probs[:, 0::2][:, :-1], probs[:, 2::2])

    roll = np.array([[60, 62, 64, 64, 65, 67, REST, 69]], np.int8)
    np.testing.assert_array_equal(quantise(roll, 8), [[60, 60, 64, 64, 65, 65, REST, REST]])
    np.testing.assert_array_equal(quantise(roll, 16), roll)
    with pytest.raises(ParameterError, match="grid"):
        GANConfig(grid=12)


def test_training_steps_teach_the_critic_and_resume_exactly(tmp_path):
    import jax
    from sonitus.checkpoints import load_checkpoint
    from sonitus.plugins.gan.train import GANTrainConfig, make_steps, train

    config = GANTrainConfig(steps=6, batch=8, n_critic=2, lr=1e-3, sample_every=10**6, model=SMALL)
    data = scale_chorales(64)
    gen, critic, init, step = make_steps(GANConfig(**SMALL), config)
    from sonitus.plugins.gan.rolls import one_hot

    state = init(jax.random.PRNGKey(0))
    reals = one_hot(data[:16]).reshape(2, 8, 64, CLASSES, 4)
    first = None
    for i in range(15):
        state, metrics = step(state, reals, jax.random.PRNGKey(i))
        first = first if first is not None else float(metrics["wasserstein"])
    # the critic learns to tell real from generated: the estimated distance grows
    assert float(metrics["wasserstein"]) > first + 0.05

    full = train(str(tmp_path / "a"), config=config, data=data, progress=False, log=lambda m: None)
    train(str(tmp_path / "b"), config=config, data=data, progress=False, log=lambda m: None, until=3)
    resumed = train(str(tmp_path / "b"), config=config, data=data, resume=True, progress=False, log=lambda m: None)
    a, b = load_checkpoint(full), load_checkpoint(resumed)
    assert a.step == b.step == 6 and a.header["model"] == "sonitus-chorale-gan"
    for x, y in zip(jax.tree_util.tree_leaves(a.state), jax.tree_util.tree_leaves(b.state)):
        np.testing.assert_array_equal(x, y)


# 80 s of compiling three runs; make test keeps the data-parallel check of the speech trainer
# (tests/plugins/asr/test_asr_train.py), and this one runs with make test-slow
@pytest.mark.slow
def test_four_devices_train_like_one(tmp_path):
    """Data-parallel GAN training: the training step with each critic batch split over 4
    (host) devices follows the one-device curve of the same global batches.

    Not to 1e-4 for long, as the speech model's does: Adam's first update moves every
    parameter by about lr whatever the size of its gradient, so the ~2 % of parameters whose
    gradient is float noise (~1e-9) step by +-lr depending on rounding, and a GAN's two
    players then drift apart slowly. So: the first step to 1e-3 (relative), ten steps to 1 %,
    and ten times closer to one device than the same run with other latent noise is."""
    import json
    import os
    import subprocess
    import sys

    script = f"""
import json, jax, numpy as np
from sonitus.plugins.gan.model import GANConfig
from sonitus.plugins.gan.rolls import one_hot
from sonitus.plugins.gan.train import GANTrainConfig, make_steps, train
from sonitus.training import DataParallel
small = {SMALL!r}
config = GANTrainConfig(batch=8, n_critic=2, model=small)
_, _, init, step = make_steps(GANConfig(**small), config)
state = init(jax.random.PRNGKey(0))
rng = np.random.default_rng(0)
data = rng.integers(40, 80, (64, 4, 64)).astype(np.int8)
curves = []
for parallel, noise in ((DataParallel(batch_axis=1), 0), (None, 0), (None, 100)):
    s = parallel.replicate(state) if parallel else state
    curve = []
    for i in range(10):
        reals = one_hot(data[np.random.default_rng(i).integers(0, 64, 16)]).reshape(2, 8, *one_hot(data[:1]).shape[1:])
        s, m = step(s, *(parallel.shard(reals) if parallel else (reals,)), jax.random.PRNGKey(i + noise))
        curve.append(float(m["wasserstein"]))
    curves.append(curve)
steps = train({str(tmp_path / "run")!r}, config=GANTrainConfig(steps=2, batch=8, n_critic=1, sample_every=10**6,
              model=small), data=data, progress=False, log=lambda m: None)
print(json.dumps({{"devices": len(jax.devices()), "curves": curves, "model": str(steps)}}))
"""
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    four, one, other = (np.array(c) for c in result["curves"])
    assert result["devices"] == 4 and result["model"].endswith("model.ckpt")  # the trainer ran on 4 devices
    np.testing.assert_allclose(four[0], one[0], rtol=1e-3)
    np.testing.assert_allclose(four, one, rtol=0.01, atol=1e-4)
    assert np.abs(four - one).max() * 10 < np.abs(other - one).max()


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    from sonitus.plugins.gan.train import GANTrainConfig, train

    config = GANTrainConfig(steps=2, batch=8, n_critic=1, sample_every=10**6, model=SMALL)
    return train(str(tmp_path_factory.mktemp("gan")), config=config, data=scale_chorales(64), progress=False,
                 log=lambda m: None)


def test_generator_stage_writes_a_score_in_the_asked_key(small_model):
    from sonitus import Score
    from sonitus.dsl import music as m
    from sonitus.plugins.gan.generator import ChoraleGANGenerator

    c = ChoraleGANGenerator(str(small_model), bars=6, seed=3).roll()
    g = ChoraleGANGenerator(str(small_model), bars=6, seed=3, key="G").roll()
    assert c.shape == (4, 96)
    np.testing.assert_array_equal(np.where(c == REST, REST, c - 5), g)  # G is 5 below C
    np.testing.assert_array_equal(c, ChoraleGANGenerator(str(small_model), bars=6, seed=3).roll())
    score = m.generate("chorale-gan", model=str(small_model), bars=4, seed=1, tempo=120)()
    assert isinstance(score, Score) and len(score.midi.instruments) == 4
    song = m.from_score(score)  # the music DSL takes it from here
    assert song.to_score().duration == pytest.approx(score.duration, abs=0.3)


def test_keys_and_bad_options():
    from sonitus.errors import ParameterError
    from sonitus.plugins.gan.generator import ChoraleGANGenerator, key_shift

    assert [key_shift(k) for k in ("C", "G", "F#", "Bb", "Am", "Em", "Dm")] == [0, -5, -6, -2,
                                                                                  0, -5, 5]
    for bad in ({"key": "H"}, {"bars": 0}, {"tempo": 5}, {"temperature": -1}):
        with pytest.raises(ParameterError):
            ChoraleGANGenerator(**bad)


def test_generate_chorale_cli_with_the_shipped_model(tmp_path):
    from cli_helpers import run_cli
    from sonitus import Audio, Score
    from sonitus.plugins.gan.generator import default_model_path

    assert default_model_path().exists(), "the chorale GAN must ship inside the package"
    result = run_cli("generate", "chorale", "--bars", "8", "--seed", "1", "--key", "D", "-o", str(tmp_path / "c.mid"))
    assert result.returncode == 0, result.stderr
    score = Score.load(tmp_path / "c.mid")
    assert len(score.midi.instruments) == 4 and score.notes > 8
    assert score.duration == pytest.approx(8 * 4 * 60 / 80, abs=0.01) or score.duration < 8 * 4 * 60 / 80
    result = run_cli("generate", "chorale", "--bars", "2", "-o", str(tmp_path / "c.wav"))
    assert result.returncode == 0, result.stderr
    assert Audio.load(tmp_path / "c.wav").duration > 2 * 4 * 60 / 80 * 0.5
    bad = run_cli("generate", "chorale", "-o", str(tmp_path / "c.txt"))
    assert bad.returncode == 1 and "use .mid, .wav" in bad.stderr


def test_a_run_killed_with_sigterm_resumes_to_the_same_weights(tmp_path):
    """SIGTERM mid-run saves last.ckpt; --resume ends where an uninterrupted run ends.

    The killed run is asked for far more steps than it can reach, so the signal always lands
    mid-run; the comparison then stops both runs 20 steps after the kill (batch k depends only
    on the seed and k, and the learning rate is constant, so the step budget changes nothing)."""
    import dataclasses
    import os
    import signal
    import subprocess
    import sys
    import textwrap

    import jax
    from sonitus.checkpoints import load_checkpoint
    from sonitus.plugins.gan.train import GANTrainConfig, train

    config = GANTrainConfig(steps=10**6, batch=8, n_critic=1, sample_every=10**6, checkpoint_every=10**6,
                            model=SMALL)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_chorale_gan import SMALL, scale_chorales
        from sonitus.plugins.gan.train import GANTrainConfig, train
        config = GANTrainConfig(steps=10**6, batch=8, n_critic=1, sample_every=10**6, checkpoint_every=10**6,
                                model=SMALL)
        train({str(tmp_path / "killed")!r}, config=config, data=scale_chorales(64), progress=False,
              log=lambda m: print(m, flush=True))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    for line in proc.stdout:  # the history line at step 50 says training is under way
        if line.startswith("step 50"):
            break
    os.kill(proc.pid, signal.SIGTERM)
    output = proc.communicate(timeout=120)[0]
    assert "stopped by SIGTERM" in output, output
    stopped = load_checkpoint(tmp_path / "killed" / "last.ckpt")
    assert 50 <= stopped.step < 10**6, stopped.step
    target = dataclasses.replace(config, steps=stopped.step + 20)
    resumed = train(str(tmp_path / "killed"), config=target, data=scale_chorales(64), resume=True, progress=False,
                    log=lambda m: None)
    full = train(str(tmp_path / "full"), config=target, data=scale_chorales(64), progress=False, log=lambda m: None)
    a, b = load_checkpoint(full), load_checkpoint(resumed)
    assert a.step == b.step == stopped.step + 20
    for x, y in zip(jax.tree_util.tree_leaves(a.state), jax.tree_util.tree_leaves(b.state)):
        np.testing.assert_array_equal(x, y)
