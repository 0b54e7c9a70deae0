"""Whisper fine-tuning: bad manifests refused before any work, the encoder cache reused and
invalidated, LoRA export equal to what was trained, a stopped run resuming to the same weights,
and a tiny random Whisper (written by the test) learning new words."""

import json

import numpy as np
import pytest
from sonitus import Audio
from sonitus.errors import DatasetError
from tiny_whisper import MULTILINGUAL_VOCAB, random_params, write_ct2, write_multilingual_tokenizer


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-whisper")
    config, params = random_params(5, n_vocab=MULTILINGUAL_VOCAB)
    write_ct2(folder, params, config, dtype=np.float32)
    write_multilingual_tokenizer(folder)
    return folder


def _clip(seed: int, seconds: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.3 * np.sin(2 * np.pi * (200 + 150 * seed) * t) * (1 + rng.normal(0, 0.2, t.size))).astype(np.float32)


def _manifest(tmp_path, rows, name="train.tsv"):
    lines = []
    for i, (wave, text) in enumerate(rows):
        path = tmp_path / f"{name}-{i}.wav"
        Audio(wave, 16000).save(path)
        lines.append(f"{path}\t{text}")
    (tmp_path / name).write_text("\n".join(lines) + "\n")
    return str(tmp_path / name)


def test_a_bad_manifest_is_refused_before_training(tmp_path):
    from sonitus.plugins.whisper.finetune_data import read_utterances

    good = tmp_path / "good.wav"
    Audio(_clip(0), 16000).save(good)
    Audio(np.zeros(16000 * 31, np.float32), 16000).save(tmp_path / "long.wav")
    (tmp_path / "bad.tsv").write_text(f"{tmp_path}/missing.wav\thello\n{good}\t \n{tmp_path}/long.wav\thello\n"
                                      f"{good}\tfine\n")
    with pytest.raises(DatasetError) as caught:
        read_utterances([str(tmp_path / "bad.tsv")], max_tokens=96, encode=str.split)
    message = str(caught.value)
    assert message.startswith("3 manifest row(s) cannot be used")
    assert "missing.wav" in message and "transcript is empty" in message and "longer than 30 s" in message

    from cli_helpers import run_cli

    result = run_cli("train", "whisper", "--data", str(tmp_path / "bad.tsv"), "-o", str(tmp_path / "out"))
    assert result.returncode == 1 and "cannot be used" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_encoder_cache_is_reused_and_invalidated_by_model_or_audio(tiny_model, tmp_path):
    from sonitus.plugins.whisper.checkpoint import Checkpoint
    from sonitus.plugins.whisper.finetune_data import EncoderCache
    from sonitus.plugins.whisper.runtime import Runtime, load_runtime

    rt = load_runtime(str(tiny_model))
    cache = EncoderCache(rt, tmp_path)
    first = cache.features(_clip(1))
    again = cache.features(_clip(1))
    cache.features(_clip(2))
    assert (cache.hits, cache.misses) == (1, 2) and np.array_equal(first, again)
    assert first.shape == (rt.config.n_audio_ctx, rt.config.n_audio_state) and first.dtype == np.float16
    config, other_params = random_params(6, n_vocab=MULTILINGUAL_VOCAB)
    other = Runtime(Checkpoint(config, other_params, rt.checkpoint.alignment_heads, "other"), rt.tokenizer,
                    folder=tiny_model)
    other_cache = EncoderCache(other, tmp_path)
    assert other_cache.folder != cache.folder
    assert not np.allclose(other_cache.features(_clip(1)), first) and other_cache.misses == 1


def test_lora_export_gives_the_logits_training_saw(tiny_model, tmp_path):
    import jax
    import jax.numpy as jnp
    from sonitus.plugins.whisper.checkpoint import load_checkpoint
    from sonitus.plugins.whisper.finetune import export_model, full_params
    from sonitus.plugins.whisper.lora import init_lora
    from sonitus.plugins.whisper.model import Whisper
    from sonitus.plugins.whisper.runtime import load_runtime

    rt = load_runtime(str(tiny_model))
    params = rt.checkpoint.params
    lora = init_lora(params, 4, seed=1)
    untrained = full_params(params, lora, True)
    assert all(np.array_equal(a, b) for a, b in zip(jax.tree_util.tree_leaves(untrained),
                                                    jax.tree_util.tree_leaves(params)))  # b starts at zero
    rng = np.random.default_rng(2)
    lora = jax.tree_util.tree_map(lambda a: a + rng.normal(0, 0.05, a.shape).astype(np.float32), lora)
    audio = jnp.asarray(rng.normal(size=(1, rt.config.n_audio_ctx, rt.config.n_audio_state)), jnp.float32)
    tokens = jnp.asarray([[rt.tokenizer.sot, 11, 12, 13]], jnp.int32)
    model = Whisper(rt.config)
    trained = model.apply({"params": full_params(params, lora, True)}, audio, tokens, method=Whisper.decode_text)
    base = model.apply({"params": params}, audio, tokens, method=Whisper.decode_text)
    export_model(tmp_path / "tuned", rt, full_params(params, lora, True), {"test": True})
    loaded = load_checkpoint(tmp_path / "tuned")
    exported = model.apply({"params": loaded.params}, audio, tokens, method=Whisper.decode_text)
    scale = float(jnp.abs(trained).max())
    np.testing.assert_allclose(np.asarray(exported), np.asarray(trained), rtol=1e-5, atol=1e-5 * scale)
    assert float(jnp.abs(trained - base).max()) > 1e-3 * scale  # the adapters changed the model


def test_a_stopped_run_resumes_to_the_same_weights(tiny_model, tmp_path):
    from safetensors.numpy import load_file
    from sonitus.plugins.whisper.finetune import FinetuneConfig, train_whisper

    data = _manifest(tmp_path, [(_clip(i), f"w{10 + i} w{20 + i}") for i in range(3)])
    cfg = FinetuneConfig(steps=6, batch=2, replay=0, lr=1e-3, warmup=2)
    train_whisper([data], tmp_path / "straight", cfg, init=str(tiny_model), cache=tmp_path / "cache", progress=False)
    stopped = train_whisper([data], tmp_path / "stopped", cfg, init=str(tiny_model), cache=tmp_path / "cache",
                            until=3, progress=False)  # saved and stopped at step 3, as SIGTERM would
    assert stopped["steps"] == 3
    recipe = train_whisper([data], tmp_path / "stopped", cfg, init=str(tiny_model), cache=tmp_path / "cache",
                           resume=True, progress=False)
    assert recipe["steps"] == 6 and recipe["encoder_cache"]["misses"] == 0
    a, b = load_file(tmp_path / "straight" / "model.safetensors"), load_file(tmp_path / "stopped" / "model.safetensors")
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(b[name], a[name], rtol=1e-6, atol=1e-6 * float(np.abs(a[name]).max()), err_msg=name)
    header = json.loads((tmp_path / "stopped" / "sonitus-finetune.json").read_text())
    assert header["base_model"] == str(tiny_model) and header["steps"] == 6 and header["config"]["lr"] == 1e-3


def test_a_tiny_random_whisper_learns_new_words(tiny_model, tmp_path):
    from sonitus.plugins.whisper.finetune import FinetuneConfig, train_whisper
    from sonitus.plugins.whisper.runtime import load_runtime
    from sonitus.plugins.whisper.transcribe import TranscribeOptions, transcribe_waves

    texts = ["w101 w202 w303", "w404 w505"]
    t = np.arange(16000) / 16000
    waves = [(0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32),  # a tone and noise: audios the random
             (0.3 * np.random.default_rng(0).normal(size=t.size)).astype(np.float32)]  # encoder tells apart
    data = _manifest(tmp_path, list(zip(waves, texts)))
    options = TranscribeOptions(beam=1, temperatures=(0.0,), word_timestamps=False, language="en")
    before = [r.text for r in transcribe_waves(load_runtime(str(tiny_model)), waves, options)]
    assert before != texts
    cfg = FinetuneConfig(steps=40, batch=2, replay=0, lr=1e-2, warmup=5, time_masks=0, channel_masks=0)
    train_whisper([data], tmp_path / "tuned", cfg, init=str(tiny_model), cache=tmp_path / "cache", progress=False)
    after = [r.text for r in transcribe_waves(load_runtime(str(tmp_path / "tuned")), waves, options)]
    assert after == texts
    # the whole model, encoder too: its encoder moves, and it learns the words as well
    whole = FinetuneConfig(steps=40, batch=2, replay=0, lr=1e-2, warmup=5, time_masks=0, channel_masks=0,
                           train_encoder=True)
    train_whisper([data], tmp_path / "whole", whole, init=str(tiny_model), cache=tmp_path / "cache2",
                  progress=False)
    tuned = load_runtime(str(tmp_path / "whole"))
    assert [r.text for r in transcribe_waves(tuned, waves, options)] == texts
    base = load_runtime(str(tiny_model))
    moved = tuned.checkpoint.params["encoder_ln"]["scale"], base.checkpoint.params["encoder_ln"]["scale"]
    assert not np.allclose(*moved)
    assert not (tmp_path / "cache2").exists() or not any((tmp_path / "cache2").rglob("*.npy"))  # nothing cached


def test_distillation_asks_nothing_of_a_model_that_has_not_moved(tiny_model):
    """With distill, a replay row's loss is the KL divergence from the base model: zero for the
    base model itself, whatever its transcript; a user row keeps its cross-entropy."""
    import jax
    import jax.numpy as jnp
    from sonitus.plugins.whisper.finetune import FinetuneConfig, _optimizer, _parts, _update_step
    from sonitus.plugins.whisper.finetune_data import encoder_input
    from sonitus.plugins.whisper.runtime import load_runtime

    rt = load_runtime(str(tiny_model))
    cfg = FinetuneConfig(time_masks=0, channel_masks=0, distill=True)
    frozen, trainable = (jax.tree_util.tree_map(jnp.asarray, part) for part in _parts(rt.checkpoint.params, cfg))
    base = jax.tree_util.tree_map(jnp.asarray, rt.checkpoint.params)
    optimizer = _optimizer(cfg)
    update = _update_step(rt, optimizer, cfg)
    mel = np.stack([encoder_input(rt, _clip(1))] * 2)
    audio = rt.encode(rt.params, mel)[0]
    x = np.array([[1, 2, 3, 4]] * 2, np.int32)
    y = np.array([[2, 3, 4, 5]] * 2, np.int32)
    m = np.ones((2, 4), np.float32)
    key = jax.random.PRNGKey(0)
    _, _, replay_loss = update(trainable, optimizer.init(trainable), frozen, base, audio, x, y, m,
                               np.ones(2, np.float32), key)
    _, _, user_loss = update(trainable, optimizer.init(trainable), frozen, base, audio, x, y, m,
                             np.zeros(2, np.float32), key)
    assert abs(float(replay_loss)) < 1e-5 and float(user_loss) > 1.0
