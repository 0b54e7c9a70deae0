import numpy as np
import pytest
from sonitus.checkpoints import MAGIC, load_checkpoint, read_header, save_checkpoint
from sonitus.errors import CheckpointError


def test_round_trip_keeps_arrays_and_header(tmp_path):
    state = {"dense": {"kernel": np.arange(6, dtype=np.float32).reshape(2, 3), "bias": np.zeros(3)},
             "step": np.int32(7)}
    path = save_checkpoint(tmp_path / "m.ckpt", state, model="demo", config={"width": 3}, step=7,
                           seed=1)
    ckpt = load_checkpoint(path, model="demo")
    np.testing.assert_array_equal(ckpt.state["dense"]["kernel"], state["dense"]["kernel"])
    assert ckpt.state["dense"]["kernel"].dtype == np.float32
    assert ckpt.config == {"width": 3} and ckpt.step == 7 and ckpt.header["seed"] == 1
    assert read_header(path)["model"] == "demo"


def test_it_is_not_a_pickle(tmp_path):
    path = save_checkpoint(tmp_path / "m.ckpt", {"w": np.ones(2)}, model="demo")
    data = path.read_bytes()
    assert data.startswith(MAGIC) and b"\x80\x04" not in data[:32]


def test_wrong_model_missing_truncated_and_garbage(tmp_path):
    path = save_checkpoint(tmp_path / "m.ckpt", {"w": np.ones(1000)}, model="demo")
    with pytest.raises(CheckpointError, match="holds a 'demo' model"):
        load_checkpoint(path, model="other")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.ckpt")
    cut = tmp_path / "cut.ckpt"
    cut.write_bytes(path.read_bytes()[:-2000])
    with pytest.raises(CheckpointError, match="corrupt body"):
        load_checkpoint(cut)
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="not a sonitus checkpoint"):
        load_checkpoint(junk)


def test_flax_params_restore_into_a_model(tmp_path):
    import jax
    import jax.numpy as jnp
    from flax import linen as nn
    from flax import serialization

    model = nn.Dense(4)
    params = model.init(jax.random.PRNGKey(0), jnp.ones((1, 3)))
    save_checkpoint(tmp_path / "d.ckpt", params, model="dense")
    restored = serialization.from_state_dict(params, load_checkpoint(tmp_path / "d.ckpt").state)
    x = jnp.ones((2, 3))
    np.testing.assert_allclose(model.apply(restored, x), model.apply(params, x))


def test_a_header_config_is_checked_before_a_model_is_built(tmp_path):
    from dataclasses import dataclass

    from sonitus.training import ConfigDict

    @dataclass(frozen=True)
    class Sizes(ConfigDict):
        LIMITS = {"width": 4096}
        width: int = 64
        dropout: float = 0.1

    def saved(config):
        return load_checkpoint(save_checkpoint(tmp_path / "m.ckpt", {"w": np.zeros(2)}, model="m", config=config))

    assert saved({"width": 128, "newer_key": 1}).model_config(Sizes) == Sizes(width=128)
    for config, words in (({"width": 64_000}, "the most Sizes allows is 4,096"), ({"width": 2.5}, "whole number"),
                          ({"width": -3}, ">= 0"), ({"dropout": float("nan")}, "finite"),
                          ({"width": "wide"}, "must be a number")):
        with pytest.raises(CheckpointError) as info:
            saved(config).model_config(Sizes)
        assert str(tmp_path / "m.ckpt") in str(info.value) and words in str(info.value), (config, info.value)
