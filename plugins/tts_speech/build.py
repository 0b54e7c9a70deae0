"""Build the ``tts-speech`` corpus: a deterministic job list, parallel synthesis, manifests.

Layout under ``root`` (default ``~/.local/share/sonitus/asr``)::

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
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sonitus.atomic import atomic_path, atomic_write_text
from sonitus.manifests import write_manifest
from sonitus.tts import (
    ESPEAK_BASES,
    SAMPLE_RATE,
    EspeakVariant,
    Voice,
    espeak_variants,
    festival_batch,
    load_16k,
    mbrola_voices,
    pico_voices,
    synthesize,
)

from .sentences import sentence_pool

__all__ = ["Job", "plan", "build", "DEV_VARIANTS", "DEV_MBROLA", "DEV_FESTIVAL", "TRAIN_SHARES"]

#: espeak-ng variants never used in training (the dev set's voices)
DEV_VARIANTS = ("m3", "f2", "klatt3", "Andy", "iven2", "linda")
#: MBROLA voice held out for dev; the others train
DEV_MBROLA = "mb-us3"
#: Festival is the engine held out of training altogether: both its voices speak dev only
DEV_FESTIVAL = ("kal_diphone", "ked_diphone")
_SKIP_VARIANTS = {"whisper", "whisperf", "Demonic", "announcer", "fast"}
#: share of training utterances per engine (espeak-ng takes the rest); engines not
#: installed give their share to espeak-ng
TRAIN_SHARES = {"mbrola": 0.2, "pico": 0.25}


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


def _mbrola_voice(rng: random.Random, names: list[str]) -> Voice:
    return Voice("espeak", rng.choice(names), rate=rng.randint(120, 190), pitch=rng.randint(25, 75),
                 amplitude=rng.randint(70, 150), gap=rng.choice((0, 0, 1, 2)))


#: how many made-up espeak-ng speakers ``variety`` 1 draws from
MADE_UP_SPEAKERS = 400


def _more_varied(voice: Voice, rng: random.Random, speakers: list[EspeakVariant]) -> Voice:
    """``variety`` 1: most espeak-ng voices become made-up speakers (random formants, pitch,
    Klatt synthesis); MBROLA voices speak over a wider pitch and rate range."""
    if voice.name.startswith("mb-"):
        return replace(voice, rate=rng.randint(100, 220), pitch=rng.randint(5, 95))
    if rng.random() < 0.6:
        return replace(voice, name=voice.name.split("+")[0], variant=rng.choice(speakers))
    return voice


def _pico_voice(rng: random.Random, names: list[str]) -> Voice:
    return Voice("pico", rng.choice(names), rate=rng.randint(88, 115), pitch=rng.randint(10, 90))


def _festival_voice(rng: random.Random, name: str) -> Voice:
    return Voice("festival", name, rate=rng.randint(85, 125))


def plan(*, train: int = 10000, dev: int = 360, seed: int = 0, variety: int = 0,
         dev_sentences: int = 1000) -> tuple[list[Job], list[str]]:
    """The job list and the training sentences. Dev sentences never occur in training text.

    Training voices: espeak-ng English bases x training variants, MBROLA us1/us2/en1 and
    SVOX Pico (where installed). Dev voices are never heard in training: held-out espeak-ng
    variants, MBROLA us3 and the whole Festival engine. ``variety`` 1 makes most espeak-ng
    training voices made-up speakers and widens MBROLA's prosody (see ``_more_varied``); it
    draws from its own random stream, so sentences and dev voices are the same as with 0.
    """
    rng = random.Random(seed)
    varied = random.Random(f"{seed}-variety-{variety}")
    speakers = [EspeakVariant.random(varied) for _ in range(MADE_UP_SPEAKERS if variety else 0)]
    pool = sentence_pool(seed)
    dev_text, train_text = pool[:dev_sentences], pool[dev_sentences:]
    all_variants = espeak_variants()
    train_variants = [v for v in all_variants if v not in DEV_VARIANTS and v not in _SKIP_VARIANTS]
    dev_variants = [v for v in DEV_VARIANTS if v in all_variants]
    mbrola = mbrola_voices()
    train_mbrola = [v for v in mbrola if v != DEV_MBROLA]
    pico = pico_voices()
    jobs = []
    for i in range(train):
        r = rng.random()
        if r < TRAIN_SHARES["mbrola"] and train_mbrola:
            voice = _mbrola_voice(rng, train_mbrola)
        elif r < TRAIN_SHARES["mbrola"] + TRAIN_SHARES["pico"] and pico:
            voice = _pico_voice(rng, pico)
        else:
            voice = _espeak_voice(rng, train_variants)
        if variety and voice.engine == "espeak":
            voice = _more_varied(voice, varied, speakers)
        jobs.append(Job("train", f"tr{i:06d}", train_text[i % len(train_text)], voice))
    for i in range(dev):
        kind = i % 6
        if kind in (0, 1, 2):
            voice = _festival_voice(rng, rng.choice(DEV_FESTIVAL))
        elif kind == 3 and DEV_MBROLA in mbrola:
            voice = _mbrola_voice(rng, [DEV_MBROLA])
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
        if job.voice.engine != "festival":
            _write(_wav_path(root, job), synthesize(job.text, job.voice))
    if fest:
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
                    _write(_wav_path(root, job), load_16k(tmp))
                    os.unlink(tmp)
    return len(todo)


def _existing_rows(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()) if path.exists() else 0


def build(root: str | os.PathLike[str], *, train: int = 10000, dev: int = 360,
          seed: int = 0, variety: int = 0, jobs: int = 2, chunk: int = 64, progress: bool = True, force: bool = False) -> dict[str, Path]:
    """Synthesise the corpus under ``root`` (resumable) and write manifests; returns their paths.

    A corpus is only ever extended: asking for fewer utterances than ``root`` already lists
    is an error unless ``force`` (then the manifests list only the first ``train``/``dev``).
    ``root/recipe.json`` records the sizes, seed and the engines and voices used.
    """
    import json
    from collections import Counter

    from sonitus.errors import SonitusError
    from sonitus.progress import track

    root = Path(root)
    for split, wanted in (("train", train), ("dev", dev)):
        have = _existing_rows(root / f"{split}.tsv")
        if have > wanted and not force:
            raise SonitusError(f"{root / f'{split}.tsv'} already lists {have} {split} utterances and you asked for "
                               f"{wanted}; ask for at least {have} to extend it, or pass --force to shrink it.")
    job_list, train_text = plan(train=train, dev=dev, seed=seed, variety=variety)
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
                rows.append((str(path), job.text))
                voices.append(f"{job.uid}\t{job.voice.label}\t{job.voice.rate}\t{job.voice.pitch}")
        out[split] = write_manifest(root / f"{split}.tsv", rows)
        atomic_write_text(root / f"{split}.voices.tsv", "".join(row + "\n" for row in voices))
    engines = {split: dict(Counter(j.voice.engine + ":" + j.voice.name.split("+")[0] for j in job_list
                                   if j.split == split)) for split in ("train", "dev")}
    recipe = {"train": train, "dev": dev, "seed": seed, "variety": variety, "sentences": len(train_text), "voices": engines}
    atomic_write_text(root / "recipe.json", json.dumps(recipe, indent=1, sort_keys=True) + "\n")
    return out
