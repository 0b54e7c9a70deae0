"""A tiny random Whisper written by the tests, in both checkpoint formats (no download)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

TINY = dict(n_mels=80, n_vocab=300, n_audio_ctx=1500, n_audio_state=32, n_audio_head=2, n_audio_layer=2,
            n_text_ctx=64, n_text_state=32, n_text_head=2, n_text_layer=2)


def random_params(seed: int = 0, **sizes):
    """A WhisperConfig (``TINY`` with ``sizes`` changed) and random float32 params (NumPy tree);
    key projections without bias, as Whisper has none."""
    import jax
    import jax.numpy as jnp
    from sonitus.plugins.whisper.model import Whisper, WhisperConfig

    config = WhisperConfig(**{**TINY, **sizes})
    params = Whisper(config).init(jax.random.PRNGKey(seed), jnp.zeros((1, 3000, 80)), jnp.zeros((1, 4), jnp.int32))
    rng = np.random.default_rng(seed)
    params = jax.tree_util.tree_map(lambda a: np.asarray(a) + rng.normal(0, 0.05, a.shape).astype(np.float32),
                                    params["params"])
    for block in params.values():
        for attention in ("attn", "cross_attn"):
            if isinstance(block, dict) and attention in block:
                block[attention]["key"]["bias"] = np.zeros_like(block[attention]["key"]["bias"])
    return config, params


def _string(s: str) -> bytes:
    raw = s.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def write_ct2(folder: Path, params, config, *, dtype=np.float16) -> Path:
    """Write a CTranslate2 WhisperSpec ``model.bin`` (q/k/v fused as CTranslate2 stores them)."""
    from sonitus.plugins.whisper.checkpoint import _ct2_names, _untree

    flat = _untree(params, config)
    entries = []
    for ours, (name, rows) in _ct2_names(config).items():
        entries.append((name, rows.start if rows else 0, flat[ours]))
        if ours.endswith(".k.w") and rows is not None:  # CTranslate2 stores Whisper's missing key bias as zeros
            entries.append((name.replace("/weight", "/bias"), rows.start, np.zeros(rows.stop - rows.start, np.float32)))
    theirs: dict[str, list] = {}
    for name, _, value in sorted(entries, key=lambda e: (e[0], e[1])):
        theirs.setdefault(name, []).append(value)
    arrays = {name: np.concatenate(parts) if len(parts) > 1 else parts[0] for name, parts in theirs.items()}
    arrays["encoder/num_heads"] = np.array(config.n_audio_head, np.int16)
    arrays["decoder/num_heads"] = np.array(config.n_text_head, np.int16)
    codes = {np.dtype(np.float32): 0, np.dtype(np.int16): 2, np.dtype(np.float16): 4}
    body = [struct.pack("<I", 6), _string("WhisperSpec"), struct.pack("<I", 3), struct.pack("<I", len(arrays))]
    for name in sorted(arrays):
        value = arrays[name]
        if value.dtype == np.float32:
            value = value.astype(dtype)
        body += [_string(name), struct.pack("<B", value.ndim), *[struct.pack("<I", d) for d in value.shape],
                 struct.pack("<B", codes[value.dtype]), struct.pack("<I", value.nbytes), value.tobytes()]
    body += [struct.pack("<I", 1), _string("decoder/projection/weight"), _string("decoder/embeddings/weight")]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.bin").write_bytes(b"".join(body))
    return folder


#: the multilingual vocabulary's size and where its special tokens start (openai-whisper's layout)
MULTILINGUAL_VOCAB, MULTILINGUAL_EOT = 51865, 50257


def write_multilingual_tokenizer(folder: Path) -> list[str]:
    """A word-level ``tokenizer.json`` + ``vocabulary.txt`` in the multilingual layout: ordinary
    tokens, then <|endoftext|>, <|startoftranscript|>, the 99 languages (no yue, as before large-v3), the task and control
    tokens and 1501 timestamps. Returns the vocabulary (a token's id is its index)."""
    from sonitus.plugins.whisper.tokenizer import LANGUAGES
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["<unk>", *[f"w{i}" for i in range(1, MULTILINGUAL_EOT)]]
    special = ["<|endoftext|>", "<|startoftranscript|>", *[f"<|{code}|>" for code in LANGUAGES[:99]], "<|translate|>",
               "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
    vocabulary = words + special
    vocabulary += [f"<|{0.02 * i:.2f}|>" for i in range(MULTILINGUAL_VOCAB - len(vocabulary))]
    assert len(vocabulary) == MULTILINGUAL_VOCAB and vocabulary.index("<|notimestamps|>") == 50363
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "vocabulary.txt").write_text("\n".join(vocabulary), encoding="utf-8")
    return vocabulary
