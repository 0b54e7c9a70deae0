"""Offline speech synthesis for training and test data: espeak-ng (voices x variants, MBROLA),
Festival and SVOX Pico.

Each function returns float32 mono samples at ``SAMPLE_RATE`` (16 kHz). Engines run as
subprocesses of the Debian packages (``espeak-ng``, ``festival``, ``mbrola-*``,
``libttspico-utils``); nothing here imports JAX.

>>> from sonitus.tts import Voice, synthesize                      # doctest: +SKIP
>>> samples = synthesize("turn left", Voice("espeak", "en-gb+f2", rate=160))
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sonitus.errors import SonitusError
from sonitus.jaxcache import cache_dir

__all__ = ["Voice", "EspeakVariant", "SAMPLE_RATE", "synthesize", "festival_batch", "espeak_variants", "ESPEAK_BASES", "festival_voices",
           "mbrola_voices", "pico_voices", "PICO_LANGUAGES", "MBROLA_VOICES", "load_16k"]

SAMPLE_RATE = 16000

#: espeak-ng English base voices used for training and dev
ESPEAK_BASES = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029")


#: espeak-ng's English MBROLA voices (Debian contrib ``mbrola-us1`` ...), used through espeak-ng
MBROLA_VOICES = ("mb-us1", "mb-us2", "mb-us3", "mb-en1")
#: SVOX Pico's English voices (Debian non-free ``libttspico-utils``)
PICO_LANGUAGES = ("en-US", "en-GB")


@dataclass(frozen=True)
class EspeakVariant:
    """A made-up espeak-ng voice variant: pitch, formants and voice quality of a new speaker.

    espeak-ng's ~70 installed variants are a few hand-made speakers; a random variant moves
    each formant's frequency, height and width independently (a different vocal tract), sets
    the pitch base and range, and may switch to Klatt synthesis. Written on first use to a
    folder of its own under the sonitus cache (symlinks to the installed espeak-ng data),
    never into the system's.

    Args:
        pitch: base and top of the pitch range in Hz (espeak-ng's ``pitch`` line).
        formants: ``(n, frequency %, height %, width %)`` per formant 1-5.
        klatt: 0 for espeak-ng's own synthesiser, 1-6 for its Klatt voice types.
        flutter: pitch flutter (0-30).
        voicing, consonants: loudness of voiced sounds and of consonants (%).
    """

    pitch: tuple[int, int] = (82, 118)
    formants: tuple[tuple[int, int, int, int], ...] = ()
    klatt: int = 0
    flutter: int = 0
    voicing: int = 100
    consonants: int = 100

    @classmethod
    def random(cls, rng) -> EspeakVariant:
        """A random speaker from a ``random.Random``: male or female pitch, formants +-15 %."""
        female = rng.random() < 0.5
        base = rng.randint(135, 210) if female else rng.randint(70, 130)
        scale = 1.1 if female else 1.0
        formants = tuple((n, round(rng.uniform(0.87, 1.15) * 100 * (scale if n <= 3 else 1.0)),
                          rng.randint(70, 130), rng.randint(80, 130)) for n in range(1, 6))
        return cls(pitch=(base, base + rng.randint(30, 110)), formants=formants,
                   klatt=rng.choice((0, 0, 1, 2, 4, 5, 6)), flutter=rng.randint(0, 25),
                   voicing=rng.randint(85, 115), consonants=rng.randint(70, 120))

    def text(self) -> str:
        """The variant file espeak-ng reads."""
        lines = ["language variant", f"name {self.name}", f"pitch {self.pitch[0]} {self.pitch[1]}"]
        lines += [f"formant {n} {f} {h} {w}" for n, f, h, w in self.formants]
        if self.klatt:
            lines.append(f"klatt {self.klatt}")
        lines += [f"flutter {self.flutter}", f"voicing {self.voicing}", f"consonants {self.consonants}"]
        return "\n".join(lines) + "\n"

    @property
    def name(self) -> str:
        """``sx`` + a hash of the settings: the same settings always make the same name."""
        import hashlib

        key = repr((self.pitch, self.formants, self.klatt, self.flutter, self.voicing, self.consonants))
        return "sx" + hashlib.sha1(key.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Voice:
    """One synthetic speaker: ``engine`` ('espeak', 'festival' or 'pico'), ``name`` and prosody settings.

    MBROLA voices are espeak-ng voices named ``mb-...``. Pico has no prosody controls: its
    ``rate`` (x100) and ``pitch`` (0-100 -> -3..+3 semitones) become one playback-speed change
    afterwards, so that two Pico voices still make many speakers.

    ``rate`` is words per minute (espeak) or a duration stretch x100 (Festival);
    ``pitch``/``amplitude``/``gap`` are espeak-ng's ``-p``/``-a``/``-g`` (gap in 10 ms units).
    ``variant`` (espeak-ng only) speaks ``name`` with a made-up :class:`EspeakVariant`.
    """

    engine: str
    name: str
    rate: int = 170
    pitch: int = 50
    amplitude: int = 100
    gap: int = 0
    variant: EspeakVariant | None = None

    @property
    def label(self) -> str:
        return f"{self.engine}:{self.name}" + (f"+{self.variant.name}" if self.variant else "")


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


def mbrola_voices() -> list[str]:
    """The MBROLA voices of ``MBROLA_VOICES`` whose database is installed."""
    return [v for v in MBROLA_VOICES if os.path.isdir(f"/usr/share/mbrola/{v[3:]}")]


def pico_voices() -> list[str]:
    """Pico's English languages when ``pico2wave`` is installed, else ``[]``."""
    return list(PICO_LANGUAGES) if shutil.which("pico2wave") else []


def _to_16k(data: np.ndarray, sr: int) -> np.ndarray:
    if data.ndim > 1:
        data = data.mean(axis=1)
    if sr != SAMPLE_RATE:
        import soxr

        data = soxr.resample(data, sr, SAMPLE_RATE, quality="HQ")
    return np.asarray(data, dtype=np.float32)


def load_16k(path: str | os.PathLike[str]) -> np.ndarray:
    """A sound file (e.g. one :func:`festival_batch` wrote) as float32 mono samples at 16 kHz."""
    import soundfile as sf

    data, sr = sf.read(path, dtype="float32")
    return _to_16k(data, sr)


def _engine(name: str, install: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise SonitusError(f"{name} is not installed; {install}.")
    return exe


def _run(cmd: list[str], what: str, *, output: str | None = None, timeout: int = 60) -> bytes:
    """Run an engine; its stdout, or raise when it failed or wrote nothing (to ``output``)."""
    proc = subprocess.run(cmd, capture_output=True, check=False, timeout=timeout)
    made = os.path.exists(output) if output else bool(proc.stdout)
    if proc.returncode != 0 or not made:
        raise SonitusError(f"{what} failed: {proc.stderr.decode(errors='ignore').strip().rstrip('.') or 'no audio'}.")
    return proc.stdout


def _espeak_data_for(variant: EspeakVariant, exe: str) -> Path:
    """A folder with espeak-ng's data (symlinks to the installed files) whose only variant is
    ``variant``: espeak-ng lists at most 350 voices, and its own languages, variants and MBROLA
    voices already take about 325, so each made-up speaker gets a folder of its own."""

    root = cache_dir() / "espeak-ng" / variant.name
    if (root / "espeak-ng-data" / "voices" / "!v" / variant.name).exists():
        return root
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
    installed = Path(version.split("Data at:")[-1].strip()) if "Data at:" in version else None
    if installed is None or not installed.is_dir():
        raise SonitusError("espeak-ng did not say where its data is ('espeak-ng --version'); reinstall espeak-ng.")
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{variant.name}.", dir=root.parent))
    data = tmp / "espeak-ng-data"
    (data / "voices" / "!v").mkdir(parents=True)
    for entry in installed.iterdir():
        if entry.name != "voices":
            (data / entry.name).symlink_to(entry)
    for entry in (installed / "voices").iterdir():
        if entry.name != "!v":
            (data / "voices" / entry.name).symlink_to(entry)
    (data / "voices" / "!v" / variant.name).write_text(variant.text(), encoding="utf-8")
    try:
        os.rename(tmp, root)
    except OSError:  # another process made it first
        shutil.rmtree(tmp, ignore_errors=True)
    return root


def _espeak(text: str, voice: Voice) -> np.ndarray:
    import soundfile as sf

    exe = _engine("espeak-ng", "install it with 'apt-get install espeak-ng'")
    name, path = voice.name, []
    if voice.variant is not None:
        root = _espeak_data_for(voice.variant, exe)
        name, path = f"{voice.name}+{voice.variant.name}", [f"--path={root}"]
    cmd = [exe, *path, "-v", name, "-s", str(voice.rate), "-p", str(voice.pitch), "-a", str(voice.amplitude),
           "-g", str(voice.gap), "--stdout", text]
    data, sr = sf.read(io.BytesIO(_run(cmd, f"espeak-ng with voice {name}")), dtype="float32")
    return _to_16k(data, sr)


def _festival(text: str, voice: Voice) -> np.ndarray:
    exe = _engine("text2wave", "install Festival with 'apt-get install festival festvox-kallpc16k'")
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.txt"), os.path.join(tmp, "out.wav")
        with open(src, "w") as fh:
            fh.write(text + "\n")
        cmd = [exe, "-eval", f"(voice_{voice.name})", "-eval",
               f"(Parameter.set 'Duration_Stretch {voice.rate / 100.0:.2f})", "-o", dst, src]
        _run(cmd, f"Festival with voice {voice.name}", output=dst, timeout=120)
        return load_16k(dst)


def _pico(text: str, voice: Voice) -> np.ndarray:
    import soundfile as sf

    exe = _engine("pico2wave", "run 'make asr-data' (Debian non-free libttspico-utils)")
    with tempfile.TemporaryDirectory() as tmp:
        dst = os.path.join(tmp, "out.wav")
        _run([exe, "-l", voice.name, "-w", dst, text], f"pico2wave with {voice.name}", output=dst)
        data, sr = sf.read(dst, dtype="float32")
    # played faster or slower: pitch, formants and tempo move together (another vocal tract)
    factor = 2 ** ((voice.pitch - 50) / 50 * 3 / 12) * voice.rate / 100  # pitch 0..100 -> -3..+3 semitones
    return _to_16k(data, int(round(sr * factor)))


def festival_batch(items: list[tuple[str, float, str]], voice_name: str) -> None:
    """Synthesise many ``(text, duration_stretch, wav_path)`` items with one Festival process.

    Texts must be normalised (letters, apostrophes, spaces). Files are written at the voice's
    own rate; callers resample. One process per batch avoids Festival's start-up per sentence.
    """
    exe = _engine("festival", "install it with 'apt-get install festival festvox-kallpc16k'")
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
    if voice.engine == "pico":
        return _pico(text, voice)
    raise SonitusError(f"Unknown speech engine {voice.engine!r}; use 'espeak', 'festival' or 'pico'.")
