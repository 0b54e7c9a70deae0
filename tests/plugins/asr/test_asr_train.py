"""Training: checkpoints save/load, and a killed run resumes to the same weights."""

import shutil

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

TINY = {"layers": 1, "d_model": 32, "heads": 2, "conv_channels": 4, "ff_mult": 2}


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    from sonitus.plugins.tts_speech._build import _write
    from sonitus.plugins.tts_speech._synth import Voice, synthesize

    root = tmp_path_factory.mktemp("tiny")
    rows = []
    for i, text in enumerate(["yes", "no", "go left", "stop now", "up", "down"]):
        path = root / f"u{i}.wav"
        _write(path, synthesize(text, Voice("espeak", "en-us", rate=180)))
        rows.append(f"{path}\t{text}")
    (root / "train.tsv").write_text("\n".join(rows) + "\n")
    return root / "train.tsv"


def _params(path):
    from sonitus.checkpoints import load_checkpoint

    import jax

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

    config, _, _, header = load_model(str(resumed))
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
