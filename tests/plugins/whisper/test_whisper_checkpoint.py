"""Whisper checkpoints: CTranslate2 and transformers folders load to the same tree, written by
the test from a tiny random model (no download); bad files are refused with a sentence."""

import struct

import numpy as np
import pytest
from sonitus.errors import CheckpointError
from tiny_whisper import random_params, write_ct2


def _leaves(tree):
    import jax

    return {jax.tree_util.keystr(k): np.asarray(v) for k, v in jax.tree_util.tree_flatten_with_path(tree)[0]}


def _assert_same_tree(a, b, *, rtol):
    la, lb = _leaves(a), _leaves(b)
    assert la.keys() == lb.keys()
    for key in la:
        np.testing.assert_allclose(la[key], lb[key], rtol=rtol, atol=rtol * np.abs(la[key]).max(), err_msg=key)


def test_safetensors_round_trip(tmp_path):
    from sonitus.plugins.whisper.checkpoint import load_checkpoint, save_safetensors

    config, params = random_params()
    save_safetensors(tmp_path / "hf", params, config, alignment_heads=[(1, 0), (1, 1)])
    loaded = load_checkpoint(tmp_path / "hf")
    assert loaded.config == config and loaded.alignment_heads == ((1, 0), (1, 1))
    _assert_same_tree(params, loaded.params, rtol=0)


def test_ct2_round_trip_and_same_outputs(tmp_path):
    import jax.numpy as jnp
    from sonitus.plugins.whisper.checkpoint import load_checkpoint
    from sonitus.plugins.whisper.model import Whisper

    config, params = random_params(1)
    write_ct2(tmp_path / "ct2", params, config, dtype=np.float32)
    loaded = load_checkpoint(tmp_path / "ct2")
    assert loaded.config == config
    assert loaded.alignment_heads == ((1, 0), (1, 1))  # no config.json: the second half of the decoder
    _assert_same_tree(params, loaded.params, rtol=0)
    write_ct2(tmp_path / "ct2-fp16", params, config)  # float16, as faster-whisper ships
    half = load_checkpoint(tmp_path / "ct2-fp16")
    _assert_same_tree(params, half.params, rtol=2e-3)
    mel = jnp.asarray(np.random.default_rng(0).normal(size=(1, 3000, 80)), jnp.float32)
    tokens = jnp.asarray([[1, 5, 7, 9]], jnp.int32)
    model = Whisper(config)
    ours = model.apply({"params": params}, mel, tokens)
    theirs = model.apply({"params": half.params}, mel, tokens)
    np.testing.assert_allclose(np.asarray(theirs), np.asarray(ours), rtol=0.02, atol=0.02 * float(np.abs(ours).max()))


def test_kv_cached_steps_equal_the_teacher_forced_pass():
    import jax.numpy as jnp
    from sonitus.plugins.whisper.model import Whisper, empty_cache

    config, params = random_params(2)
    model = Whisper(config)
    p = {"params": params}
    mel = jnp.asarray(np.random.default_rng(1).normal(size=(2, 3000, 80)), jnp.float32)
    tokens = jnp.asarray([[3, 8, 1, 4, 4, 9], [2, 2, 7, 5, 1, 0]], jnp.int32)
    whole = np.asarray(model.apply(p, mel, tokens))
    cross = model.apply(p, model.apply(p, mel, method=Whisper.encode), method=Whisper.cross_kv)
    cache = empty_cache(config, 2)
    gather = jnp.asarray([[0, 1], [0, 1]], jnp.int32)
    logits, cache, _ = model.apply(p, tokens[:, :2], jnp.zeros(2, jnp.int32), cache, cross, gather,
                                   method=Whisper.decode)
    steps = [np.asarray(logits[:, 0]), np.asarray(logits[:, 1])]
    for t in range(2, 6):
        logits, cache, _ = model.apply(p, tokens[:, t:t + 1], jnp.full(2, t, jnp.int32), cache, cross,
                                       jnp.zeros((2, 1), jnp.int32), method=Whisper.decode)
        steps.append(np.asarray(logits[:, 0]))
    np.testing.assert_allclose(np.stack(steps, axis=1), whole, rtol=1e-4, atol=1e-4 * np.abs(whole).max())


def test_bad_checkpoints_are_refused_with_a_sentence(tmp_path):
    from sonitus.plugins.whisper.checkpoint import load_checkpoint
    from sonitus.plugins.whisper.models import resolve_model

    config, params = random_params(3)
    good = (write_ct2(tmp_path / "good", params, config) / "model.bin").read_bytes()
    cases = {
        "truncated": good[: len(good) // 2],
        "random": np.random.default_rng(0).bytes(4000),
        "empty": b"",
        "lying size": good[:4] + struct.pack("<H", 12) + b"WhisperSpec\0" + struct.pack("<II", 3, 1)
        + struct.pack("<H", 2) + b"x\0" + struct.pack("<BIIB", 2, 100000, 100000, 0) + struct.pack("<I", 16)
        + b"\0" * 16,
        "wrong version": struct.pack("<I", 99) + good[4:],
    }
    for name, data in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "model.bin").write_bytes(data)
        with pytest.raises(CheckpointError) as info:
            load_checkpoint(folder)
        assert "model" in str(info.value) and "Traceback" not in str(info.value), name
    (tmp_path / "empty-folder").mkdir()
    with pytest.raises(CheckpointError, match="CTranslate2 / faster-whisper folder"):
        load_checkpoint(tmp_path / "empty-folder")
    with pytest.raises(CheckpointError, match="is not a folder"):  # a name given where a folder belongs
        load_checkpoint(tmp_path / "tiny.en")
    (tmp_path / "tiny.pt").write_bytes(b"\x80\x04")
    with pytest.raises(CheckpointError, match="never loads"):
        resolve_model(tmp_path / "tiny.pt")
    with pytest.raises(CheckpointError, match="neither a model name"):
        resolve_model("no-such-model")


def test_oversized_config_is_refused_before_allocating(tmp_path):
    import json

    from sonitus.plugins.whisper.checkpoint import load_checkpoint, save_safetensors

    config, params = random_params(4)
    save_safetensors(tmp_path / "hf", params, config)
    meta = json.loads((tmp_path / "hf" / "config.json").read_text())
    meta["decoder_layers"] = 100000
    (tmp_path / "hf" / "config.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="decoder|n_text_layer"):
        load_checkpoint(tmp_path / "hf")


def test_a_folder_is_loaded_once_however_it_is_named(tmp_path):
    from sonitus.plugins.whisper.runtime import load_runtime
    from tiny_whisper import MULTILINGUAL_VOCAB, write_multilingual_tokenizer

    config, params = random_params(2, n_vocab=MULTILINGUAL_VOCAB)
    write_ct2(tmp_path / "m", params, config, dtype=np.float32)
    write_multilingual_tokenizer(tmp_path / "m")
    first = load_runtime(str(tmp_path / "m"))
    assert load_runtime(str(tmp_path / "m"), "float32") is first
    assert load_runtime(tmp_path / "m", dtype="float32") is first
