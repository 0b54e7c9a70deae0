"""Speech synthesis primitives for training data: espeak-ng (voices x variants) and Festival.

Each function returns float32 mono samples at ``SAMPLE_RATE`` (16 kHz). Engines run as
subprocesses; nothing here imports JAX.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np

from sonitus.errors import SonitusError

__all__ = ["Voice", "SAMPLE_RATE", "synthesize", "festival_batch", "espeak_variants", "ESPEAK_BASES", "festival_voices"]

SAMPLE_RATE = 16000

#: espeak-ng English base voices used for training and dev
ESPEAK_BASES = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029")


@dataclass(frozen=True)
class Voice:
    """One synthetic speaker: ``engine`` ('espeak' or 'festival'), ``name`` and prosody settings.

    ``rate`` is words per minute (espeak) or a duration stretch x100 (Festival);
    ``pitch``/``amplitude``/``gap`` are espeak-ng's ``-p``/``-a``/``-g`` (gap in 10 ms units).
    """

    engine: str
    name: str
    rate: int = 170
    pitch: int = 50
    amplitude: int = 100
    gap: int = 0

    @property
    def label(self) -> str:
        return f"{self.engine}:{self.name}"


def espeak_variants() -> list[str]:
    """Names of the installed espeak-ng variants (``espeak-ng --voices=variant``)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        return []
    out = subprocess.run([exe, "--voices=variant"], capture_output=True, text=True, check=False).stdout
    names = []
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5:
            names.append(parts[4].rsplit("/", 1)[-1])
    return names


def festival_voices() -> list[str]:
    """Installed Festival diphone voices (e.g. 'kal_diphone', 'kdl_diphone')."""
    root = "/usr/share/festival/voices/english"
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def _to_16k(data: np.ndarray, sr: int) -> np.ndarray:
    if data.ndim > 1:
        data = data.mean(axis=1)
    if sr != SAMPLE_RATE:
        import soxr

        data = soxr.resample(data, sr, SAMPLE_RATE, quality="HQ")
    return np.asarray(data, dtype=np.float32)


def _espeak(text: str, voice: Voice) -> np.ndarray:
    import soundfile as sf

    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SonitusError("espeak-ng is not installed; install it with 'apt-get install espeak-ng'.")
    cmd = [exe, "-v", voice.name, "-s", str(voice.rate), "-p", str(voice.pitch), "-a", str(voice.amplitude),
           "-g", str(voice.gap), "--stdout", text]
    proc = subprocess.run(cmd, capture_output=True, check=False, timeout=60)
    if proc.returncode != 0 or not proc.stdout:
        raise SonitusError(f"espeak-ng failed for voice {voice.name}: {proc.stderr.decode(errors='ignore').strip()}")
    data, sr = sf.read(io.BytesIO(proc.stdout), dtype="float32")
    return _to_16k(data, sr)


def _festival(text: str, voice: Voice) -> np.ndarray:
    import soundfile as sf

    exe = shutil.which("text2wave")
    if exe is None:
        raise SonitusError("Festival is not installed; install it with 'apt-get install festival festvox-kallpc16k'.")
    stretch = voice.rate / 100.0
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.txt"), os.path.join(tmp, "out.wav")
        with open(src, "w") as fh:
            fh.write(text + "\n")
        cmd = [exe, "-eval", f"(voice_{voice.name})", "-eval", f"(Parameter.set 'Duration_Stretch {stretch:.2f})",
               "-o", dst, src]
        proc = subprocess.run(cmd, capture_output=True, check=False, timeout=120)
        if proc.returncode != 0 or not os.path.exists(dst):
            raise SonitusError(f"Festival failed for voice {voice.name}: {proc.stderr.decode(errors='ignore').strip()}")
        data, sr = sf.read(dst, dtype="float32")
    return _to_16k(data, sr)


def festival_batch(items: list[tuple[str, float, str]], voice_name: str) -> None:
    """Synthesise many ``(text, duration_stretch, wav_path)`` items with one Festival process.

    Texts must be normalised (letters, apostrophes, spaces). Files are written at the voice's
    own rate; callers resample. One process per batch avoids Festival's start-up per sentence.
    """
    exe = shutil.which("festival")
    if exe is None:
        raise SonitusError("Festival is not installed; install it with 'apt-get install festival festvox-kallpc16k'.")
    lines = [f"(voice_{voice_name})"]
    for text, stretch, path in items:
        safe = text.replace('"', "").replace("\\", "")
        lines.append(f"(Parameter.set 'Duration_Stretch {stretch:.3f})")
        lines.append(f'(utt.save.wave (utt.synth (Utterance Text "{safe}")) "{path}" \'riff)')
    with tempfile.NamedTemporaryFile("w", suffix=".scm", delete=False) as fh:
        fh.write("\n".join(lines) + "\n")
        script = fh.name
    try:
        subprocess.run([exe, "-b", script], capture_output=True, check=False, timeout=60 + 10 * len(items))
    finally:
        os.unlink(script)


def synthesize(text: str, voice: Voice) -> np.ndarray:
    """Speak ``text`` with ``voice``; float32 mono samples ``[frames]`` at 16 kHz."""
    if voice.engine == "espeak":
        return _espeak(text, voice)
    if voice.engine == "festival":
        return _festival(text, voice)
    raise SonitusError(f"Unknown speech engine {voice.engine!r}; use 'espeak' or 'festival'.")
