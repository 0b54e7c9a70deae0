"""Low-rank adapters (LoRA) for Whisper's decoder: ``kernel + scale * a @ b`` on the query and
value projections of every decoder block's self- and cross-attention. ``b`` starts at zero, so
an untrained adapter leaves the model as it was; :func:`merge` folds adapters into the weights
(exported models carry no adapters and run at the base model's speed)."""

from __future__ import annotations

import numpy as np

__all__ = ["init_lora", "merge", "TARGETS"]

#: (attention, projection) pairs that get an adapter in each decoder block
TARGETS = (("attn", "query"), ("attn", "value"), ("cross_attn", "query"), ("cross_attn", "value"))
#: the adapter's output is scaled by ALPHA / rank (Hu et al. 2021)
ALPHA = 16.0


def init_lora(params: dict, rank: int, seed: int = 0) -> dict:
    """Adapters ``{block: {attention: {projection: {"a": [in, rank], "b": [rank, out]}}}}``."""
    rng = np.random.default_rng(seed)
    out: dict = {}
    for block in sorted(k for k in params if k.startswith("decoder_blocks_")):
        for attention, projection in TARGETS:
            kernel = params[block][attention][projection]["kernel"]
            fan_in, fan_out = kernel.shape
            out.setdefault(block, {}).setdefault(attention, {})[projection] = {
                "a": rng.normal(0.0, 1.0 / np.sqrt(fan_in), (fan_in, rank)).astype(np.float32),
                "b": np.zeros((rank, fan_out), np.float32)}
    return out


def merge(params: dict, lora: dict):
    """``params`` with every adapter folded into its kernel (works on NumPy and JAX arrays)."""
    merged = dict(params)
    for block, attentions in lora.items():
        merged[block] = {**params[block]}
        for attention, projections in attentions.items():
            merged[block][attention] = {**params[block][attention]}
            for projection, ab in projections.items():
                layer = dict(params[block][attention][projection])
                rank = ab["a"].shape[1]
                layer["kernel"] = layer["kernel"] + (ALPHA / rank) * (ab["a"] @ ab["b"])
                merged[block][attention][projection] = layer
    return merged
