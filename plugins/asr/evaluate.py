"""Scoring recognisers on a manifest: WER and CER (jiwer, on normalised text) and real-time
factor, of several models side by side or of the ctc model's decoders; what ``sonitus eval
asr`` prints."""

from __future__ import annotations

import time
from pathlib import Path

from .defaults import DEFAULT_BEAM
from .options import recognizer_options

__all__ = ["DECODERS", "evaluate_models", "evaluate_manifest"]

DECODERS = ("greedy", "beam", "beam+lm")


def evaluate_models(manifest: str, models: tuple[str, ...], *, beam: int | None = None,
                    limit: int | None = None) -> dict:
    """WER, CER (jiwer, normalised text) and real-time factor of each model on a manifest, each
    run as ``sonitus transcribe --model M`` runs it (after one untimed warm-up utterance)."""
    import jiwer
    from sonitus import Audio
    from sonitus.manifests import read_manifest
    from sonitus.recognition import recognition_pipeline
    from sonitus.text import normalize

    rows = read_manifest(manifest)[:limit]
    audios = [Audio.load(p) for p, _ in rows]
    refs = [normalize(t) for _, t in rows]
    total = sum(a.duration for a in audios)
    out: dict = {"utterances": len(rows), "audio_seconds": total, "models": {}}
    for model in models or (None,):
        recognizer, options = recognizer_options(model, beam, None, None, None, None, None)
        pipeline = recognition_pipeline(recognizer, **options)
        pipeline.map(audios[:1])
        tic = time.perf_counter()
        hyps = [t.text for t in pipeline.map(audios)]
        seconds = time.perf_counter() - tic
        out["models"][model or "default"] = {
            "wer": float(jiwer.wer(refs, [normalize(h) for h in hyps])),
            "cer": float(jiwer.cer(refs, [normalize(h) for h in hyps])), "rtf": seconds / total,
            "hypotheses": hyps}
    return out


def evaluate_manifest(manifest: str, *, model: str | None = None, beam: int = DEFAULT_BEAM,
                      decoders=DECODERS, limit: int | None = None, audios=None) -> dict:
    """WER, CER (jiwer) and real-time factor of each decoder on a manifest.

    The real-time factor is processing seconds per second of audio (audio already in memory,
    batched): the network's share, measured once after compilation, plus each decoder's own.
    """
    import jiwer
    from sonitus import Audio
    from sonitus.manifests import read_manifest
    from sonitus.registry import get_registry
    from sonitus.text import normalize

    rows = read_manifest(manifest)[:limit]
    if audios is None:
        audios = [Audio.load(p) for p, _ in rows]
    refs = [normalize(t) for _, t in rows]
    total = sum(a.duration for a in audios)
    base = get_registry().stage("ctc", model=model, beam=1)
    base.logprobs(audios)  # compile every batch shape outside the timing
    tic = time.perf_counter()
    logps = base.logprobs(audios)
    network = time.perf_counter() - tic
    out = {"utterances": len(rows), "audio_seconds": total, "network_rtf": network / total, "decoders": {}}
    for name in decoders:
        rec = get_registry().stage("ctc", model=model, beam=1 if name == "greedy" else beam, lm=name == "beam+lm")
        rec.warm_up()  # the LM and its look-ahead table load outside the timing
        tic = time.perf_counter()
        hyps = [rec.decode(lp).text for lp in logps]
        seconds = network + time.perf_counter() - tic
        out["decoders"][name] = {"wer": float(jiwer.wer(refs, hyps)), "cer": float(jiwer.cer(refs, hyps)),
                                 "rtf": seconds / total, "hypotheses": hyps}
        groups = _voice_groups(manifest, rows)
        if groups:
            out["decoders"][name]["by_voice"] = {
                g: {"utterances": len(idx), "wer": float(jiwer.wer([refs[i] for i in idx], [hyps[i] for i in idx])),
                    "cer": float(jiwer.cer([refs[i] for i in idx], [hyps[i] for i in idx]))}
                for g, idx in sorted(groups.items())}
    out["references"] = refs
    return out


def _voice_groups(manifest: str, rows) -> dict[str, list[int]]:
    """Utterance indices by voice group (engine:voice without variant) from ``<split>.voices.tsv``
    beside a tts-speech manifest; empty when there is none."""
    voices = Path(manifest).with_suffix(".voices.tsv")
    if not voices.exists():
        return {}
    label = {}
    for line in voices.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            engine, _, name = parts[1].partition(":")
            group = "espeak-ng variants" if engine == "espeak" and "+" in name else f"{engine}:{name}"
            label[parts[0]] = group.replace("espeak:mb-", "mbrola:")
    groups: dict[str, list[int]] = {}
    for i, (path, _) in enumerate(rows):
        group = label.get(Path(path).stem)
        if group:
            groups.setdefault(group, []).append(i)
    return groups
