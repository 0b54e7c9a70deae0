"""Whisper weights from a CTranslate2 folder (``model.bin``, faster-whisper's format) or a
Hugging Face transformers folder (``config.json`` + ``*.safetensors``), as one Flax tree.

Nothing is unpickled: ``model.bin`` is parsed by :func:`sonitus.ct2.read_ct2`, safetensors by
the ``safetensors`` library, and every shape is checked against the sizes the checkpoint
declares before the tree is built. ``save_safetensors`` writes the transformers layout, so a
fine-tuned model is a folder any Whisper runtime that reads transformers checkpoints loads.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sonitus.errors import CheckpointError

from .model import WhisperConfig

__all__ = ["Checkpoint", "load_checkpoint", "load_ct2", "load_transformers", "save_safetensors", "checkpoint_format"]

#: refuse declared sizes beyond the largest published Whisper (large-v3: 32 layers, width 1280)
_LIMITS = {"n_mels": 256, "n_vocab": 60_000, "n_audio_ctx": 1500, "n_audio_state": 2048, "n_audio_head": 32,
           "n_audio_layer": 64, "n_text_ctx": 448, "n_text_state": 2048, "n_text_head": 32, "n_text_layer": 64}


class Checkpoint(NamedTuple):
    """A loaded Whisper: its ``config``, Flax ``params`` (float32 NumPy as loaded; the device's
    float32 arrays once a ``Runtime`` holds it, so the weights live once), the ``alignment_heads``
    ``[(layer, head), ...]`` used for word timings, ``source`` (a short description) and the
    ``suppress_ids`` the checkpoint names (tokens never generated; None: computed from the
    tokenizer as openai-whisper does)."""

    config: WhisperConfig
    params: dict
    alignment_heads: tuple[tuple[int, int], ...]
    source: str
    suppress_ids: tuple[int, ...] | None = None


def _suppress_ids(data, config: WhisperConfig, where: Path) -> tuple[int, ...] | None:
    """The checkpoint's list of never-generated tokens, checked (None where it names none)."""
    if data is None:
        return None
    if not isinstance(data, list) or not all(isinstance(t, int) and 0 <= t < config.n_vocab for t in data):
        raise CheckpointError(f"{where}: suppress ids must be a list of token ids below {config.n_vocab}.")
    return tuple(data)


def checkpoint_format(folder: Path) -> str:
    """``"ct2"`` or ``"transformers"``, or a CheckpointError saying which formats work."""
    if not folder.is_dir():
        raise CheckpointError(f"{folder} is not a folder: give a Whisper model's folder, or pass a model name "
                              "(tiny.en, base) through resolve_model / recognize(model=...).")
    if (folder / "model.bin").is_file():
        return "ct2"
    if (folder / "config.json").is_file() and any(folder.glob("*.safetensors")):
        return "transformers"
    raise CheckpointError(
        f"{folder} is a folder but not a Whisper model folder sonitus reads: give a CTranslate2 / faster-whisper folder "
        "(model.bin, vocabulary.txt or tokenizer.json) or a Hugging Face transformers folder (config.json, "
        "*.safetensors, tokenizer.json). OpenAI's .pt files are pickles, which sonitus never loads.")


def load_checkpoint(folder: str | Path) -> Checkpoint:
    """The Whisper in ``folder``, in either format."""
    folder = Path(folder)
    return (load_ct2 if checkpoint_format(folder) == "ct2" else load_transformers)(folder)


def _check_config(config: WhisperConfig, where: Path) -> WhisperConfig:
    for name, limit in _LIMITS.items():
        value = getattr(config, name)
        if not 0 < value <= limit:
            raise CheckpointError(f"{where} declares {name}={value}, outside 1..{limit}: it is not a Whisper "
                                  "checkpoint (or it is damaged).")
    for width, heads in ((config.n_audio_state, config.n_audio_head), (config.n_text_state, config.n_text_head)):
        if width % heads:
            raise CheckpointError(f"{where}: width {width} does not split into {heads} heads.")
    return config


def _heads_from(value, default: int) -> int:
    return int(np.asarray(value).reshape(-1)[0]) if value is not None else default


def _alignment_heads(data, config: WhisperConfig) -> tuple[tuple[int, int], ...]:
    heads = tuple((int(layer), int(head)) for layer, head in (data or ()))
    if not heads:  # openai-whisper's default: every head of the second half of the decoder
        heads = tuple((layer, head) for layer in range(config.n_text_layer // 2, config.n_text_layer)
                      for head in range(config.n_text_head))
    return heads


def _tree(get: Callable[[str], np.ndarray], config: WhisperConfig, where: Path) -> dict:
    """The Flax tree from ``get(name)``, names in a neutral scheme (``enc.3.attn.q.w`` ...),
    weights ``[out, in]`` as PyTorch and CTranslate2 store them."""

    def array(name: str, shape: tuple[int, ...]) -> np.ndarray:
        value = np.asarray(get(name), np.float32)
        if value.shape != shape:
            raise CheckpointError(f"{where}: {name} has shape {value.shape}, the config says {shape}.")
        return value

    def dense(prefix: str, n_out: int, n_in: int, bias: bool = True) -> dict:
        kernel = array(prefix + ".w", (n_out, n_in)).T
        b = array(prefix + ".b", (n_out,)) if bias else np.zeros(n_out, np.float32)
        return {"kernel": kernel, "bias": b}

    def norm(prefix: str, width: int) -> dict:
        return {"scale": array(prefix + ".g", (width,)), "bias": array(prefix + ".b", (width,))}

    def projections(prefix: str, width: int, key_bias: bool) -> dict:
        return {"query": dense(prefix + ".q", width, width), "key": dense(prefix + ".k", width, width, key_bias),
                "value": dense(prefix + ".v", width, width), "out": dense(prefix + ".o", width, width)}

    def mlp(prefix: str, width: int) -> dict:
        return {"fc1": dense(prefix + ".fc1", 4 * width, width), "fc2": dense(prefix + ".fc2", width, 4 * width)}

    c = config
    da, dt = c.n_audio_state, c.n_text_state
    params: dict = {
        "conv1": {"kernel": array("conv1.w", (da, c.n_mels, 3)).transpose(2, 1, 0), "bias": array("conv1.b", (da,))},
        "conv2": {"kernel": array("conv2.w", (da, da, 3)).transpose(2, 1, 0), "bias": array("conv2.b", (da,))},
        "audio_positions": array("audio_positions", (c.n_audio_ctx, da)),
        "encoder_ln": norm("enc.ln", da),
        "token_embedding": {"embedding": array("embed", (c.n_vocab, dt))},
        "text_positions": array("text_positions", (c.n_text_ctx, dt)),
        "decoder_ln": norm("dec.ln", dt),
    }
    for i in range(c.n_audio_layer):
        p = f"enc.{i}"
        params[f"encoder_blocks_{i}"] = {"attn": projections(p + ".attn", da, key_bias=False),
                                         "attn_ln": norm(p + ".attn_ln", da), "mlp": mlp(p, da),
                                         "mlp_ln": norm(p + ".mlp_ln", da)}
    for i in range(c.n_text_layer):
        p = f"dec.{i}"
        params[f"decoder_blocks_{i}"] = {"attn": projections(p + ".attn", dt, key_bias=False),
                                         "attn_ln": norm(p + ".attn_ln", dt),
                                         "cross_attn": projections(p + ".cross", dt, key_bias=False),
                                         "cross_attn_ln": norm(p + ".cross_ln", dt),
                                         "mlp": mlp(p, dt), "mlp_ln": norm(p + ".mlp_ln", dt)}
    return params


# ---------------------------------------------------------------- CTranslate2

def _ct2_names(config: WhisperConfig) -> dict[str, tuple[str, slice | None]]:
    """Neutral name -> (CTranslate2 variable, rows of a fused q/k/v it holds)."""
    names: dict[str, tuple[str, slice | None]] = {}
    da, dt = config.n_audio_state, config.n_text_state

    def put(ours: str, theirs: str, rows: slice | None = None, bias: bool = True):
        names[ours + ".w"] = (theirs + "/weight", rows)
        if bias:
            names[ours + ".b"] = (theirs + "/bias", rows)

    def ln(ours: str, theirs: str):
        names[ours + ".g"] = (theirs + "/gamma", None)
        names[ours + ".b"] = (theirs + "/beta", None)

    def fused_qkv(ours: str, theirs: str, width: int):
        for j, part in enumerate("qkv"):
            put(f"{ours}.{part}", theirs + "/linear_0", slice(j * width, (j + 1) * width), bias=part != "k")
        put(ours + ".o", theirs + "/linear_1")
        ln(ours + "_ln", theirs + "/layer_norm")

    def ffn(ours: str, theirs: str):
        put(ours + ".fc1", theirs + "/linear_0")
        put(ours + ".fc2", theirs + "/linear_1")
        ln(ours + ".mlp_ln", theirs + "/layer_norm")

    put("conv1", "encoder/conv1")
    put("conv2", "encoder/conv2")
    names["audio_positions"] = ("encoder/position_encodings/encodings", None)
    ln("enc.ln", "encoder/layer_norm")
    for i in range(config.n_audio_layer):
        fused_qkv(f"enc.{i}.attn", f"encoder/layer_{i}/self_attention", da)
        ffn(f"enc.{i}", f"encoder/layer_{i}/ffn")
    names["embed"] = ("decoder/embeddings/weight", None)
    names["text_positions"] = ("decoder/position_encodings/encodings", None)
    ln("dec.ln", "decoder/layer_norm")
    for i in range(config.n_text_layer):
        fused_qkv(f"dec.{i}.attn", f"decoder/layer_{i}/self_attention", dt)
        base = f"decoder/layer_{i}/attention"
        put(f"dec.{i}.cross.q", base + "/linear_0")
        put(f"dec.{i}.cross.k", base + "/linear_1", slice(0, dt), bias=False)
        put(f"dec.{i}.cross.v", base + "/linear_1", slice(dt, 2 * dt))
        put(f"dec.{i}.cross.o", base + "/linear_2")
        ln(f"dec.{i}.cross_ln", base + "/layer_norm")
        ffn(f"dec.{i}", f"decoder/layer_{i}/ffn")
    return names


def _count_layers(variables: dict, prefix: str) -> int:
    n = 0
    while f"{prefix}/layer_{n}/ffn/linear_0/weight" in variables:
        n += 1
    return n


def load_ct2(folder: str | Path) -> Checkpoint:
    """A CTranslate2 Whisper folder (``model.bin``, optional ``config.json`` with ``alignment_heads``)."""
    from sonitus.ct2 import dequantize, read_ct2

    folder = Path(folder)
    model = read_ct2(folder / "model.bin")
    if model.spec != "WhisperSpec":
        raise CheckpointError(f"{folder / 'model.bin'} holds a CTranslate2 '{model.spec}', not a Whisper model.")
    v = model.variables
    try:
        embed, conv1 = v["decoder/embeddings/weight"], v["encoder/conv1/weight"]
        config = WhisperConfig(
            n_mels=int(conv1.shape[1]), n_vocab=int(embed.shape[0]),
            n_audio_ctx=int(v["encoder/position_encodings/encodings"].shape[0]), n_audio_state=int(conv1.shape[0]),
            n_audio_head=_heads_from(v.get("encoder/num_heads"), max(1, int(conv1.shape[0]) // 64)),
            n_audio_layer=_count_layers(v, "encoder"),
            n_text_ctx=int(v["decoder/position_encodings/encodings"].shape[0]), n_text_state=int(embed.shape[1]),
            n_text_head=_heads_from(v.get("decoder/num_heads"), max(1, int(embed.shape[1]) // 64)),
            n_text_layer=_count_layers(v, "decoder"))
    except (KeyError, IndexError) as exc:
        raise CheckpointError(f"{folder / 'model.bin'} lacks Whisper variable {exc}; it is not a complete "
                              "Whisper model.") from exc
    _check_config(config, folder)
    names = _ct2_names(config)
    fused: dict[str, np.ndarray] = {}  # q/k/v share one stored matrix: convert it once, not once per part

    def get(name: str) -> np.ndarray:
        theirs, rows = names[name]
        if theirs not in v:
            raise CheckpointError(f"{folder / 'model.bin'} lacks {theirs}; it is not a complete Whisper model.")
        if rows is None:
            return dequantize(v, theirs)
        if theirs not in fused:
            fused[theirs] = dequantize(v, theirs)
        return fused[theirs][rows]

    meta = _read_json(folder / "config.json")
    params = _tree(get, config, folder)
    return Checkpoint(config, params, _alignment_heads(meta.get("alignment_heads"), config), f"CTranslate2 {folder}",
                      _suppress_ids(meta.get("suppress_ids"), config, folder / "config.json"))


# ---------------------------------------------------------------- transformers

def _hf_names(config: WhisperConfig) -> dict[str, str]:
    names: dict[str, str] = {}

    def put(ours: str, theirs: str, bias: bool = True):
        names[ours + ".w"] = theirs + ".weight"
        if bias:
            names[ours + ".b"] = theirs + ".bias"

    def ln(ours: str, theirs: str):
        names[ours + ".g"] = theirs + ".weight"
        names[ours + ".b"] = theirs + ".bias"

    def attention(ours: str, theirs: str):
        for part, proj in zip("qkvo", ("q_proj", "k_proj", "v_proj", "out_proj")):
            put(f"{ours}.{part}", f"{theirs}.{proj}", bias=part != "k")

    def block(ours: str, theirs: str):  # what encoder and decoder layers share
        attention(ours + ".attn", theirs + ".self_attn")
        ln(ours + ".attn_ln", theirs + ".self_attn_layer_norm")
        put(ours + ".fc1", theirs + ".fc1")
        put(ours + ".fc2", theirs + ".fc2")
        ln(ours + ".mlp_ln", theirs + ".final_layer_norm")

    e, d = "model.encoder", "model.decoder"
    put("conv1", e + ".conv1")
    put("conv2", e + ".conv2")
    names["audio_positions"] = e + ".embed_positions.weight"
    ln("enc.ln", e + ".layer_norm")
    for i in range(config.n_audio_layer):
        block(f"enc.{i}", f"{e}.layers.{i}")
    names["embed"] = d + ".embed_tokens.weight"
    names["text_positions"] = d + ".embed_positions.weight"
    ln("dec.ln", d + ".layer_norm")
    for i in range(config.n_text_layer):
        block(f"dec.{i}", f"{d}.layers.{i}")
        attention(f"dec.{i}.cross", f"{d}.layers.{i}.encoder_attn")
        ln(f"dec.{i}.cross_ln", f"{d}.layers.{i}.encoder_attn_layer_norm")
    return names


def _read_json(path: Path) -> dict:
    if not path.is_file():
        return {}
    if path.stat().st_size > 10_000_000:
        raise CheckpointError(f"{path} is over 10 MB; a Whisper config is a few kB.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path} is not valid JSON ({exc}).") from exc
    if not isinstance(data, dict):
        raise CheckpointError(f"{path} should hold a JSON object.")
    return data


def load_transformers(folder: str | Path) -> Checkpoint:
    """A Hugging Face transformers Whisper folder: ``config.json`` and ``*.safetensors``
    (``generation_config.json``'s ``alignment_heads`` where present)."""
    from safetensors import SafetensorError, safe_open

    folder = Path(folder)
    meta = _read_json(folder / "config.json")
    keys = {"n_mels": "num_mel_bins", "n_vocab": "vocab_size", "n_audio_ctx": "max_source_positions",
            "n_audio_state": "d_model", "n_audio_head": "encoder_attention_heads", "n_audio_layer": "encoder_layers",
            "n_text_ctx": "max_target_positions", "n_text_state": "d_model",
            "n_text_head": "decoder_attention_heads", "n_text_layer": "decoder_layers"}
    try:
        config = WhisperConfig(**{ours: int(meta[theirs]) for ours, theirs in keys.items()})
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{folder / 'config.json'} is not a transformers Whisper config (missing or bad "
                              f"{exc}).") from exc
    _check_config(config, folder)
    tensors: dict[str, np.ndarray] = {}
    for path in sorted(folder.glob("*.safetensors")):
        try:
            with safe_open(str(path), framework="numpy") as f:
                for name in f.keys():
                    tensors[name] = f.get_tensor(name)
        except (SafetensorError, OSError, ValueError) as exc:
            raise CheckpointError(f"{path} is not a readable safetensors file ({exc}).") from exc
    tensors = {(k if k.startswith(("model.", "proj_out")) else "model." + k): t for k, t in tensors.items()}
    names = _hf_names(config)

    def get(name: str) -> np.ndarray:
        theirs = names[name]
        if theirs not in tensors:
            raise CheckpointError(f"{folder} lacks the tensor {theirs}; it is not a complete Whisper model.")
        return tensors[theirs]

    generation = _read_json(folder / "generation_config.json")
    params = _tree(get, config, folder)
    return Checkpoint(config, params, _alignment_heads(generation.get("alignment_heads"), config),
                      f"transformers {folder}",
                      _suppress_ids(generation.get("suppress_tokens"), config, folder / "generation_config.json"))


def _untree(params: dict, config: WhisperConfig) -> dict[str, np.ndarray]:
    """The inverse of ``_tree`` in the neutral scheme."""
    flat: dict[str, np.ndarray] = {}

    def dense(prefix: str, p: dict, bias: bool = True):
        flat[prefix + ".w"] = np.asarray(p["kernel"], np.float32).T
        if bias:
            flat[prefix + ".b"] = np.asarray(p["bias"], np.float32)

    def norm(prefix: str, p: dict):
        flat[prefix + ".g"] = np.asarray(p["scale"], np.float32)
        flat[prefix + ".b"] = np.asarray(p["bias"], np.float32)

    def projections(prefix: str, p: dict):
        for part, name in zip("qkvo", ("query", "key", "value", "out")):
            dense(f"{prefix}.{part}", p[name], bias=part != "k")

    for conv in ("conv1", "conv2"):
        flat[conv + ".w"] = np.asarray(params[conv]["kernel"], np.float32).transpose(2, 1, 0)
        flat[conv + ".b"] = np.asarray(params[conv]["bias"], np.float32)
    flat["audio_positions"] = np.asarray(params["audio_positions"], np.float32)
    flat["text_positions"] = np.asarray(params["text_positions"], np.float32)
    flat["embed"] = np.asarray(params["token_embedding"]["embedding"], np.float32)
    norm("enc.ln", params["encoder_ln"])
    norm("dec.ln", params["decoder_ln"])
    for i in range(config.n_audio_layer):
        b = params[f"encoder_blocks_{i}"]
        projections(f"enc.{i}.attn", b["attn"])
        norm(f"enc.{i}.attn_ln", b["attn_ln"])
        dense(f"enc.{i}.fc1", b["mlp"]["fc1"])
        dense(f"enc.{i}.fc2", b["mlp"]["fc2"])
        norm(f"enc.{i}.mlp_ln", b["mlp_ln"])
    for i in range(config.n_text_layer):
        b = params[f"decoder_blocks_{i}"]
        projections(f"dec.{i}.attn", b["attn"])
        norm(f"dec.{i}.attn_ln", b["attn_ln"])
        projections(f"dec.{i}.cross", b["cross_attn"])
        norm(f"dec.{i}.cross_ln", b["cross_attn_ln"])
        dense(f"dec.{i}.fc1", b["mlp"]["fc1"])
        dense(f"dec.{i}.fc2", b["mlp"]["fc2"])
        norm(f"dec.{i}.mlp_ln", b["mlp_ln"])
    return flat


def save_safetensors(folder: str | Path, params: dict, config: WhisperConfig, *,
                     alignment_heads=(), extra_config: dict | None = None,
                     suppress_ids: tuple[int, ...] | None = None) -> Path:
    """Write ``params`` as a transformers Whisper folder (``model.safetensors``, ``config.json``,
    ``generation_config.json`` with the alignment heads and suppressed tokens), each file
    atomically. Returns the folder."""
    from safetensors.numpy import save as save_bytes
    from sonitus.atomic import atomic_write_bytes, atomic_write_text

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = _hf_names(config)
    flat = _untree(params, config)
    tensors = {names[k]: np.ascontiguousarray(v) for k, v in flat.items()}
    atomic_write_bytes(folder / "model.safetensors", save_bytes(tensors, metadata={"format": "pt"}))
    c = config
    meta = {"model_type": "whisper", "architectures": ["WhisperForConditionalGeneration"],
            "num_mel_bins": c.n_mels, "vocab_size": c.n_vocab, "max_source_positions": c.n_audio_ctx,
            "d_model": c.n_audio_state, "encoder_attention_heads": c.n_audio_head, "encoder_layers": c.n_audio_layer,
            "max_target_positions": c.n_text_ctx, "decoder_attention_heads": c.n_text_head,
            "decoder_layers": c.n_text_layer, **(extra_config or {})}
    if c.n_audio_state != c.n_text_state:
        raise CheckpointError("transformers' Whisper has one d_model; this model's encoder and decoder widths differ.")
    atomic_write_text(folder / "config.json", json.dumps(meta, indent=2) + "\n")
    generation: dict = {"alignment_heads": [list(h) for h in alignment_heads]}
    if suppress_ids is not None:
        generation["suppress_tokens"] = [int(t) for t in suppress_ids]
    atomic_write_text(folder / "generation_config.json", json.dumps(generation, indent=2) + "\n")
    return folder
