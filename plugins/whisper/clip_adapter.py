"""The clip-context adapter: LoRA weights, trained here, that retune a packaged Whisper's decoder
to read an encoder that heard only the clip + 1 s (``audio_context="clip"``) as the model reads
the whole 30 s window.

Out of the box tiny.en loops under the clip context (a window runs to its 224-token limit and
falls back through every temperature). The adapter was taught by the model itself: on English
sentences spoken by espeak-ng and Festival, the decoder hearing the clip learnt the next-token
distributions the unchanged model gives when it hears the whole window (audio-context
fine-tuning; :mod:`.clip_tuning` trains it). It ships inside sonitus (``adapters/``: the
weights as safetensors, and a JSON header with the steps, settings and data recipe), is checked
against its pinned SHA-256 and against the base model's, and is merged into the decoder's
weights when the model loads with the clip context.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sonitus.errors import CheckpointError

__all__ = ["ClipAdapter", "CLIP_ADAPTERS", "ADAPTER_FOLDER", "adapter_for", "load_adapter", "save_adapter"]

ADAPTER_FOLDER = Path(__file__).parent / "adapters"


class ClipAdapter(NamedTuple):
    """A shipped adapter: its file under :data:`ADAPTER_FOLDER`, pinned SHA-256, and the
    SHA-256 of the packaged model (``model.bin``) it was trained on."""

    file: str
    sha256: str
    base_sha256: str


#: packaged model name -> its clip-context adapter
CLIP_ADAPTERS: dict[str, ClipAdapter] = {
    "tiny.en": ClipAdapter("tiny.en-clip.safetensors", "c75f167ae05fac385aeed08419c9935149256a565dcd5a4df4c0533abe8ec0af",
                           "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
}


def adapter_for(model: str | None) -> ClipAdapter | None:
    """The clip-context adapter of packaged model ``model`` (None: the default model), if one ships."""
    from .models import DEFAULT_MODEL, PACKAGED

    name = DEFAULT_MODEL if model is None else str(model)
    adapter = CLIP_ADAPTERS.get(name)
    if adapter is None or PACKAGED[name].sha256 != adapter.base_sha256:
        return None
    return adapter


def load_adapter(adapter: ClipAdapter, params: dict, folder: Path = ADAPTER_FOLDER) -> dict:
    """The LoRA adapters ``{block: {attention: {projection: {"a", "b"}}}}`` of ``adapter``, after
    checking the file's SHA-256 and that every matrix fits ``params`` (the base model's)."""
    from safetensors.numpy import load as load_tensors

    path = folder / adapter.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"The clip-context adapter {path} cannot be read ({exc}); reinstall sonitus, "
                              "or use audio_context='full'.") from exc
    if hashlib.sha256(data).hexdigest() != adapter.sha256:
        raise CheckpointError(f"{path} does not have the SHA-256 sonitus pinned: the file changed. Reinstall "
                              "sonitus, or use audio_context='full'.")
    lora: dict = {}
    for key, value in load_tensors(data).items():
        block, attention, projection, part = key.split(".")
        kernel = params.get(block, {}).get(attention, {}).get(projection, {}).get("kernel")
        rows_cols = (kernel.shape[0], value.shape[1]) if part == "a" else (value.shape[0], kernel.shape[1]) \
            if kernel is not None else None
        if kernel is None or value.shape != rows_cols:
            raise CheckpointError(f"{path} holds {key} {value.shape}, which does not fit the model; it belongs "
                                  "to another model.")
        lora.setdefault(block, {}).setdefault(attention, {}).setdefault(projection, {})[part] = value.astype(np.float32)
    return lora


def save_adapter(path: Path, lora: dict, header: dict) -> str:
    """Write ``lora`` to ``path`` (safetensors, float32) and ``header`` beside it (``.json``, with the
    weights' ``sha256`` added), atomically; returns that SHA-256 (to pin in :data:`CLIP_ADAPTERS`)."""
    from safetensors.numpy import save as save_tensors
    from sonitus.atomic import atomic_path, atomic_write_text

    flat = {f"{block}.{attention}.{projection}.{part}": np.asarray(value, np.float32)
            for block, attentions in sorted(lora.items()) for attention, projections in sorted(attentions.items())
            for projection, parts in sorted(projections.items()) for part, value in sorted(parts.items())}
    data = save_tensors(flat, metadata={"format": "sonitus-lora"})
    digest = hashlib.sha256(data).hexdigest()
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)
    atomic_write_text(path.with_suffix(".json"), json.dumps({**header, "sha256": digest}, indent=2) + "\n")
    return digest
