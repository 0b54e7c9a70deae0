"""Build the ``tts-speech`` corpus: a deterministic job list, parallel synthesis, manifests.

Layout under ``root`` (default ``/work/data/asr``)::

    text/train.txt          every training sentence (also the LM's text)
    wav/<split>/<id>.wav    16 kHz mono PCM-16
    <split>.tsv             ``path<TAB>transcript`` (what ``sonitus eval asr`` reads)
    <split>.voices.tsv      ``id<TAB>voice``

Generation is resumable: an utterance whose wav exists is not synthesised again, and
every file is written atomically. The job list depends only on the seed and sizes.
"""

from __future__ import annotations

import os
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sonitus.atomic import atomic_path, atomic_write_text

from ._synth import ESPEAK_BASES, SAMPLE_RATE, Voice, espeak_variants, festival_batch, synthesize
from ._text import sentence_pool

__all__ = ["Job", "plan", "build", "DEV_VARIANTS", "TRAIN_FESTIVAL", "DEV_FESTIVAL"]

#: espeak-ng variants never used in training (the dev set's voices)
DEV_VARIANTS = ("m3", "f2", "klatt3", "Andy", "iven2", "linda")
#: Festival voice used for training, and the one held out for dev
TRAIN_FESTIVAL = "kal_diphone"
DEV_FESTIVAL = "ked_diphone"
_SKIP_VARIANTS = {"whisper", "whisperf", "Demonic", "announcer", "fast"}


@dataclass(frozen=True)
class Job:
    split: str
    uid: str
    text: str
    voice: Voice


def _espeak_voice(rng: random.Random, variants: list[str]) -> Voice:
    base = rng.choice(ESPEAK_BASES)
    variant = rng.choice(variants + [""])
    name = base + (f"+{variant}" if variant else "")
    return Voice("espeak", name, rate=rng.randint(125, 200), pitch=rng.randint(20, 80),
                 amplitude=rng.randint(70, 170), gap=rng.choice((0, 0, 0, 1, 2, 4)))


def _festival_voice(rng: random.Random, name: str) -> Voice:
    return Voice("festival", name, rate=rng.randint(85, 125))


def plan(*, train: int = 10000, dev: int = 360, festival_share: float = 0.15, seed: int = 0,
         dev_sentences: int = 1000) -> tuple[list[Job], list[str]]:
    """The job list and the training sentences. Dev sentences never occur in training text."""
    rng = random.Random(seed)
    pool = sentence_pool(seed)
    dev_text, train_text = pool[:dev_sentences], pool[dev_sentences:]
    all_variants = espeak_variants()
    train_variants = [v for v in all_variants if v not in DEV_VARIANTS and v not in _SKIP_VARIANTS]
    dev_variants = [v for v in DEV_VARIANTS if v in all_variants]
    jobs = []
    for i in range(train):
        fest = rng.random() < festival_share
        voice = _festival_voice(rng, TRAIN_FESTIVAL) if fest else _espeak_voice(rng, train_variants)
        jobs.append(Job("train", f"tr{i:06d}", train_text[i % len(train_text)], voice))
    for i in range(dev):
        if i % 3 == 2:
            voice = _festival_voice(rng, DEV_FESTIVAL)
        else:
            voice = _espeak_voice(rng, dev_variants)
            if "+" not in voice.name:
                voice = Voice("espeak", voice.name + "+" + rng.choice(dev_variants), voice.rate, voice.pitch,
                              voice.amplitude, voice.gap)
        jobs.append(Job("dev", f"dv{i:05d}", dev_text[i % len(dev_text)], voice))
    return jobs, train_text


def _wav_path(root: Path, job: Job) -> Path:
    return root / "wav" / job.split / f"{job.uid}.wav"


def _write(path: Path, samples: np.ndarray) -> None:
    import soundfile as sf

    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak > 0.99:
        samples = samples * (0.99 / peak)
    with atomic_path(path, suffix=".wav") as tmp:
        sf.write(tmp, samples, SAMPLE_RATE, subtype="PCM_16")


def _run_chunk(args: tuple[str, list[Job]]) -> int:
    root, jobs = Path(args[0]), args[1]
    todo = [j for j in jobs if not _wav_path(root, j).exists()]
    fest = [j for j in todo if j.voice.engine == "festival"]
    for job in todo:
        if job.voice.engine == "espeak":
            _write(_wav_path(root, job), synthesize(job.text, job.voice))
    if fest:
        import soundfile as sf

        tmpdir = root / "tmp"
        tmpdir.mkdir(parents=True, exist_ok=True)
        by_voice: dict[str, list[Job]] = {}
        for job in fest:
            by_voice.setdefault(job.voice.name, []).append(job)
        for name, group in by_voice.items():
            raw = [(j.text, j.voice.rate / 100.0, str(tmpdir / f"{j.uid}.raw.wav")) for j in group]
            festival_batch(raw, name)
            for job, (_, _, tmp) in zip(group, raw):
                if os.path.exists(tmp):
                    data, sr = sf.read(tmp, dtype="float32")
                    from ._synth import _to_16k

                    _write(_wav_path(root, job), _to_16k(data, sr))
                    os.unlink(tmp)
    return len(todo)


def build(root: str | os.PathLike[str] = "/work/data/asr", *, train: int = 10000, dev: int = 360,
          seed: int = 0, jobs: int = 2, chunk: int = 64, progress: bool = True) -> dict[str, Path]:
    """Synthesise the corpus under ``root`` (resumable) and write manifests; returns their paths."""
    from sonitus.progress import track

    root = Path(root)
    job_list, train_text = plan(train=train, dev=dev, seed=seed)
    (root / "text").mkdir(parents=True, exist_ok=True)
    atomic_write_text(root / "text" / "train.txt", "\n".join(train_text) + "\n")
    for split in ("train", "dev"):
        (root / "wav" / split).mkdir(parents=True, exist_ok=True)
    ordered = [j for j in job_list if j.split == "dev"] + [j for j in job_list if j.split != "dev"]
    chunks = [ordered[i:i + chunk] for i in range(0, len(ordered), chunk)]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = pool.map(_run_chunk, [(str(root), c) for c in chunks])
        for _ in track(results, description="synthesising", total=len(chunks),
                       disable=None if progress else True):
            pass
    out = {}
    for split in ("train", "dev"):
        rows, voices = [], []
        for job in job_list:
            path = _wav_path(root, job)
            if job.split == split and path.exists():
                rows.append(f"{path}\t{job.text}")
                voices.append(f"{job.uid}\t{job.voice.label}\t{job.voice.rate}\t{job.voice.pitch}")
        out[split] = atomic_write_text(root / f"{split}.tsv", "\n".join(rows) + "\n")
        atomic_write_text(root / f"{split}.voices.tsv", "\n".join(voices) + "\n")
    return out
