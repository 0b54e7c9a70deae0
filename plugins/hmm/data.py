"""Spoken-word data made here: the 20 command words synthesised with espeak-ng and Festival.

Training voices and held-out voices never overlap: a fixed quarter of espeak-ng's
variants, and the Festival voice ``ked_diphone``, are kept for evaluation only. Training
clips get random prosody, leading/trailing silence and coloured noise at 15-40 dB SNR.
Files are cached: rerunning ``build`` only makes what is missing.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
from sonitus.augment import add_noise, coloured, pad_silence
from sonitus.errors import DatasetError
from sonitus.manifests import read_manifest as _read_manifest
from sonitus.tts import ESPEAK_BASES

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
         "yes", "no", "stop", "go", "up", "down", "left", "right", "on", "off")
FESTIVAL_TRAIN = ("kal_diphone",)
FESTIVAL_HELD_OUT = ("ked_diphone",)
EXCLUDED_VARIANTS = ("whisper", "whisperf")  # unvoiced: not the speech these models are for


def split_variants() -> tuple[list[str], list[str]]:
    """(training, held-out) espeak-ng variants: every fourth variant, sorted by name, is held out."""
    from sonitus.tts import espeak_variants

    variants = sorted(v for v in espeak_variants() if v not in EXCLUDED_VARIANTS)
    if not variants:
        raise DatasetError("espeak-ng is not installed (sudo apt-get install espeak-ng).")
    held_out = variants[3::4]
    return [v for v in variants if v not in held_out], held_out


def _voices(split: str, rng: random.Random, count: int):
    from sonitus.tts import Voice, festival_voices

    train_variants, held_variants = split_variants()
    variants = train_variants if split == "train" else held_variants
    festival = [v for v in (FESTIVAL_TRAIN if split == "train" else FESTIVAL_HELD_OUT) if v in festival_voices()]
    out = []
    for i in range(count):
        if festival and i % 5 == 4:
            out.append(Voice("festival", rng.choice(festival), rate=rng.randint(85, 125)))
        else:
            out.append(Voice("espeak", f"{rng.choice(ESPEAK_BASES)}+{rng.choice(variants)}", rate=rng.randint(120, 230),
                             pitch=rng.randint(20, 80), amplitude=rng.randint(70, 140)))
    return out


def _augment(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    lead, tail = (int(rng.uniform(0.05, 0.4) * 16000) for _ in range(2))
    x = pad_silence(x, lead, tail)
    snr = rng.uniform(15, 40)
    noise = coloured(rng.standard_normal(len(x)), rng.uniform(0, 1.5))  # 0 white ... 1 pink ... 1.5 brownish
    return add_noise(x, noise, snr)


def _make(job: tuple[str, str, object, int, bool]) -> str | None:
    import soundfile as sf
    from sonitus.tts import synthesize

    path, word, voice, seed, augment = job
    if os.path.exists(path):
        return path
    try:
        x = synthesize(word, voice)
    except Exception:
        return None
    if augment:
        x = _augment(x, np.random.default_rng(seed))
    peak = np.max(np.abs(x)) or 1.0
    tmp = path + ".tmp.wav"
    sf.write(tmp, 0.9 * x / peak, 16000, subtype="PCM_16")
    os.replace(tmp, path)
    return path


def build(root: str | os.PathLike[str], *, train_per_word: int = 60, test_per_word: int = 15, seed: int = 0,
          jobs: int = 2, progress: bool = True) -> tuple[Path, Path]:
    """Synthesise the word set under ``root``; returns the train and test manifests (``path<TAB>word``)."""
    from multiprocessing import Pool

    from sonitus.progress import track

    root = Path(root)
    (root / "wav").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    plan = []
    for split, count in (("train", train_per_word), ("test", test_per_word)):
        for word in WORDS:
            for i, voice in enumerate(_voices(split, rng, count)):
                path = root / "wav" / f"{split}-{word}-{i:03d}.wav"
                plan.append((split, (str(path), word, voice, rng.randrange(1 << 30), split == "train")))
    with Pool(jobs) as pool:
        made = list(track(pool.imap(_make, [job for _, job in plan], chunksize=8), total=len(plan),
                          description="synthesising words", disable=not progress))
    manifests = []
    for split in ("train", "test"):
        rows = [f"{job[0]}\t{job[1]}" for (s, job), ok in zip(plan, made) if s == split and ok]
        target = root / f"{split}.tsv"
        from sonitus.atomic import atomic_write_text

        atomic_write_text(target, "\n".join(rows) + "\n")
        manifests.append(target)
    return manifests[0], manifests[1]


def read_manifest(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """``(audio path, word)`` rows of a word manifest."""
    return _read_manifest(path, make_hint="make one with `sonitus train hmm-words --make-data`")
