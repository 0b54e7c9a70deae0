"""Training: checkpoints save/load, and a killed run resumes to the same weights."""

import shutil

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

TINY = {"layers": 1, "d_model": 32, "heads": 2, "conv_channels": 4, "ff_mult": 2}


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    from sonitus.plugins.tts_speech.build import _write
    from sonitus.tts import Voice, synthesize

    root = tmp_path_factory.mktemp("tiny")
    rows = []
    for i, text in enumerate(["yes", "no", "go left", "stop now", "up", "down"]):
        path = root / f"u{i}.wav"
        _write(path, synthesize(text, Voice("espeak", "en-us", rate=180)))
        rows.append(f"{path}\t{text}")
    (root / "train.tsv").write_text("\n".join(rows) + "\n")
    return root / "train.tsv"


def _params(path):
    import jax
    from sonitus.checkpoints import load_checkpoint

    return jax.tree_util.tree_leaves(load_checkpoint(path).state["params"])


def test_resume_gives_the_same_model(tiny_corpus, tmp_path):
    from sonitus.plugins.asr.train import TrainConfig, train

    cfg = TrainConfig(steps=4, checkpoint_every=100, warmup=2, batch_seconds=6.0, model=TINY)
    full = train(str(tiny_corpus), str(tmp_path / "a"), config=cfg, seed=3, progress=False, log=lambda m: None)
    stopped = train(str(tiny_corpus), str(tmp_path / "b"), config=cfg, seed=3, progress=False,
                    log=lambda m: None, until=2)
    assert stopped.name == "last.ckpt" and not (tmp_path / "b" / "model.ckpt").exists()
    resumed = train(str(tiny_corpus), str(tmp_path / "b"), config=cfg, seed=3, resume=True, progress=False,
                    log=lambda m: None)
    a, b = _params(full), _params(resumed)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)

    # the checkpoint rebuilds its own model and transcribes (whatever it says, it runs)
    from sonitus import Audio
    from sonitus.plugins.asr.recognizer import CTCRecognizer, load_model

    loaded = load_model(str(resumed))
    config, header = loaded.config, loaded.header
    assert header["step"] == 4 and header["seed"] == 3 and config.d_model == 32
    tr = CTCRecognizer(str(resumed))(Audio.load(str(tiny_corpus.parent / "u0.wav")))
    assert isinstance(tr.text, str)


def test_resume_checks(tiny_corpus, tmp_path):
    from sonitus.errors import CheckpointError
    from sonitus.plugins.asr.train import TrainConfig, train

    cfg = TrainConfig(steps=2, model=TINY, batch_seconds=6.0)
    with pytest.raises(CheckpointError, match="does not exist"):
        train(str(tiny_corpus), str(tmp_path / "none"), config=cfg, resume=True, progress=False, log=lambda m: None)


def test_bad_model_path_is_a_clear_error(tmp_path):
    from sonitus.errors import CheckpointError
    from sonitus.plugins.asr.recognizer import load_model

    with pytest.raises(CheckpointError, match="does not exist"):
        load_model(str(tmp_path / "missing.ckpt"))


def test_batcher_has_one_shape_per_bucket_and_no_copy_batches():
    from sonitus.plugins.asr.data import Batcher

    rng = np.random.default_rng(0)
    durations = np.concatenate([rng.uniform(1.0, 6.0, 400), [9.5]])  # one lone long utterance
    label_lengths = (durations * 14).astype(int)
    b = Batcher(durations, seed=1, batch_seconds=24.0, label_lengths=label_lengths)
    assert len(b.shapes) <= 8
    seen = set()
    for step in range(3 * b.per_epoch):
        idx, samples, width = b.batch(step)
        seen.add((len(idx), samples, width))
        assert all(durations[i] * 16000 <= samples for i in idx)
        assert all(label_lengths[i] <= width for i in idx)
        assert len(set(idx.tolist())) >= len(idx) // 2  # a batch is not copies of a few utterances
    assert seen == set(b.shapes)
    # the lone 9.5 s utterance did not get a bucket (and batches of copies) of its own
    assert max(b.samples) >= 9.5 * 16000 and len(b.bounds) < 6


def test_ctc_feasibility_counts_repeats():
    from sonitus.plugins.asr.data import ctc_feasible

    assert ctc_feasible([1, 2, 3], 3)
    assert not ctc_feasible([1, 1, 2], 3)  # a blank must separate the two 1s
    assert ctc_feasible([1, 1, 2], 4)


def test_init_starts_a_new_round_from_a_model(tiny_corpus, tmp_path):
    from sonitus.checkpoints import load_checkpoint
    from sonitus.errors import CheckpointError
    from sonitus.plugins.asr.train import TrainConfig, train

    cfg = TrainConfig(steps=2, warmup=1, batch_seconds=6.0, model=TINY)
    first = train(str(tiny_corpus), str(tmp_path / "r1"), config=cfg, seed=0, progress=False, log=lambda m: None)
    before = _params(first)
    second = train(str(tiny_corpus), str(tmp_path / "r2"), config=cfg, seed=0, init=str(first), progress=False,
                   log=lambda m: None)
    header = load_checkpoint(second).header
    assert header["rounds"][0]["steps"] == 2 and header["step"] == 2
    after = _params(second)
    # continued from the first round's weights: close to them, not to a fresh initialisation
    fresh = _params(train(str(tiny_corpus), str(tmp_path / "r3"), config=cfg, seed=5, progress=False,
                          log=lambda m: None))
    moved = sum(float(np.abs(a - b).sum()) for a, b in zip(after, before))
    unrelated = sum(float(np.abs(a - b).sum()) for a, b in zip(fresh, before))
    assert moved < unrelated / 3
    other = TrainConfig(steps=2, batch_seconds=6.0, model={**TINY, "d_model": 48})
    with pytest.raises(CheckpointError, match="model config"):
        train(str(tiny_corpus), str(tmp_path / "r4"), config=other, init=str(first), progress=False,
              log=lambda m: None)


def test_sigterm_saves_a_checkpoint_that_resumes(tiny_corpus, tmp_path):
    import json
    import signal
    import subprocess
    import sys
    import time

    from sonitus.checkpoints import load_checkpoint

    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"steps": 100000, "warmup": 2, "batch_seconds": 6.0, "augment": False,
                                  "checkpoint_every": 100000, "model": TINY}))
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "sonitus", "train", "asr", "--data", str(tiny_corpus),
                             "--out", str(out), "--config", str(config)],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    for line in proc.stderr:  # wait until training is under way
        if line.startswith("step ") or time.time() > deadline:
            break
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "stopped by SIGTERM" in err and "--resume" in err
    saved = load_checkpoint(out / "last.ckpt")
    assert 50 <= saved.step < 100000


@pytest.mark.slow
def test_a_small_model_learns_its_training_words(tiny_corpus, tmp_path):
    """Training to convergence on six clips: the loss falls and greedy decoding spells them."""
    import jiwer
    from sonitus import Audio
    from sonitus.checkpoints import load_checkpoint
    from sonitus.manifests import read_manifest
    from sonitus.plugins.asr.recognizer import CTCRecognizer
    from sonitus.plugins.asr.train import TrainConfig, train

    cfg = TrainConfig(steps=400, warmup=40, peak_lr=3e-3, batch_seconds=8.0, augment=False, spec_augment=False,
                      eval_every=10**6, model={**TINY, "d_model": 64, "conv_channels": 8, "heads": 4})
    model = train(str(tiny_corpus), str(tmp_path / "run"), config=cfg, seed=0, progress=False, log=lambda m: None)
    assert load_checkpoint(model).step == 400
    rows = read_manifest(tiny_corpus)
    hyps = [t.text for t in CTCRecognizer(str(model), beam=1).transcribe([Audio.load(p) for p, _ in rows])]
    assert jiwer.cer([t for _, t in rows], hyps) < 0.2, hyps


def test_a_missing_shipped_model_is_said_plainly(monkeypatch, tmp_path):
    from sonitus.errors import CheckpointError
    from sonitus.plugins.asr import recognizer

    recognizer.load_model.cache_clear()
    monkeypatch.setattr(recognizer, "default_model_path", lambda: tmp_path / "default.ckpt")
    with pytest.raises(CheckpointError, match="has no speech model") as info:
        recognizer.load_model()
    assert "omit --model" not in str(info.value)
    recognizer.load_model.cache_clear()


def test_vtlp_moves_formants_and_keeps_the_band_edges():
    from sonitus.plugins.asr.model import ModelConfig
    from sonitus.plugins.asr.train import vtlp_sources, warp_features

    config = ModelConfig()
    sources = np.asarray(vtlp_sources(config, np.array([1.0, 1.1, 0.9])))
    bins = np.arange(config.n_mels)
    np.testing.assert_allclose(sources[0], bins, atol=1e-4)      # alpha 1: identity
    assert np.all(np.diff(sources, axis=1) > 0)                  # a warp, never a fold
    middle = config.n_mels // 2
    # alpha > 1 (shorter vocal tract) reads lower bins, so formants move up; < 1 the reverse
    assert sources[1, middle] < middle - 1 and sources[2, middle] > middle + 1
    assert sources[1, 0] == 0 and abs(sources[1, -1] - (config.n_mels - 1)) < 1.0
    # a peak at bin 30 moves up under alpha 1.1
    feats = np.zeros((2, 3, config.n_mels), np.float32)
    feats[:, :, 30] = 1.0
    warped = np.asarray(warp_features(feats, sources[:2]))
    assert np.argmax(warped[0, 0]) == 30 and np.argmax(warped[1, 0]) > 30


def test_four_devices_train_like_one_with_the_same_global_batch(tmp_path):
    """Data-parallel training: the trainer's step on a batch split over 4 (host) devices
    follows the same loss curve as on one device with the same global batch."""
    import json
    import os
    import subprocess
    import sys

    script = f"""
import json, jax, numpy as np
from sonitus.plugins.asr.model import ModelConfig
from sonitus.plugins.asr.train import TrainConfig, _labels, make_steps
from sonitus.training import DataParallel
config = TrainConfig(steps=6, warmup=2, model={TINY!r})
mc = ModelConfig.from_dict(config.model)
module, tx, train_step, _ = make_steps(mc, config)
rng = np.random.default_rng(0)
x = (0.1 * rng.standard_normal((8, 16000))).astype(np.float32)
lengths = np.array([16000, 15000, 14000, 16000, 12000, 16000, 13000, 16000], np.int32)
labels, pad = _labels([list(rng.integers(1, 28, n)) for n in (5, 7, 3, 8, 6, 4, 7, 5)], 12)
key = jax.random.PRNGKey(0)
params = module.init({{"params": key}}, *__import__("sonitus.plugins.asr.model", fromlist=["features"]).features(
    mc, x[:2], lengths[:2]), train=False)
parallel = DataParallel()
sharded, replicated = parallel.batch, parallel.state
one = jax.sharding.SingleDeviceSharding(jax.devices()[0])
curves = []
for data, state in ((sharded, replicated), (one, one)):
    p, opt = jax.device_put(params, state), jax.device_put(tx.init(params), state)
    batch = [jax.device_put(a, data) for a in (x, lengths, labels, pad)]
    losses = []
    for step in range(6):
        p, opt, loss = train_step(p, opt, *batch, jax.random.fold_in(key, step))
        losses.append(float(loss))
    curves.append(losses)
print(json.dumps({{"devices": len(jax.devices()), "curves": curves}}))
"""
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    four, one = result["curves"]
    assert result["devices"] == 4
    assert four[-1] < four[0]  # it learns
    np.testing.assert_allclose(four, one, rtol=1e-4)


def test_several_corpora_train_together(tiny_corpus, tmp_path):
    from sonitus.checkpoints import load_checkpoint
    from sonitus.plugins.asr.train import TrainConfig, build_lm, train

    second = tmp_path / "second"
    (second / "text").mkdir(parents=True)
    rows = tiny_corpus.read_text().splitlines()[:3]
    (second / "train.tsv").write_text("\n".join(rows) + "\n")
    (second / "text" / "train.txt").write_text("turn left now\nturn right\n")
    cfg = TrainConfig(steps=1, warmup=1, batch_seconds=6.0, model=TINY)
    model = train([str(tiny_corpus), str(second)], str(tmp_path / "run"), config=cfg, progress=False,
                  log=lambda m: None)
    header = load_checkpoint(model).header
    assert header["data"]["utterances"] == 6 + 3
    lm = build_lm([str(tiny_corpus.parent), str(second)], model)
    assert lm is not None and "turn" in lm.read_text()
