"""The ``chorales`` dataset: Bach's four-part chorales from music21's bundled corpus as voice rolls.

Each chorale with Soprano, Alto, Tenor and Bass parts in 4/4 is moved to C major or A minor
(so that a generator's ``key=`` means something), quantised to sixteenth notes with bar
lines on multiples of 16 steps (a pickup bar is padded at its start), and cut into 4-bar
segments with a hop of one bar. Duplicate harmonisations (same soprano line) are dropped.
Every tenth piece, in a fixed order, is held out. Built once, cached as ``.npz``.

>>> ds = get_registry().dataset("chorales")          # doctest: +SKIP
>>> train, held_out = ds.load()                      # int8 [segments, 4, 64] voice rolls
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sonitus.errors import DatasetError

from .rolls import REST, STEPS_PER_BAR, VOICES, home_shift

__all__ = ["Chorales", "default_root", "chorale_roll", "segments"]

BARS = 4
FORMAT = 1


def default_root() -> Path:
    """``$SONITUS_CACHE_DIR/chorales`` or ``~/.cache/sonitus/chorales``."""
    from sonitus.jaxcache import cache_dir

    return cache_dir() / "chorales"


def _voice_parts(score):
    parts = list(score.parts)
    named = {}
    for part in parts:
        name = (part.partName or "").lower()
        for voice in VOICES:
            if voice in name and voice not in named:
                named[voice] = part
    if len(named) == 4:
        return [named[v] for v in VOICES]
    return parts if len(parts) == 4 else None


def chorale_roll(score) -> np.ndarray | None:
    """``[4, steps]`` voice roll of a parsed music21 chorale in C major / A minor, or None
    when it is not four voices in 4/4."""
    parts = _voice_parts(score)
    if parts is None:
        return None
    meters = {ts.ratioString for ts in score.recurse().getElementsByClass("TimeSignature")}
    if meters != {"4/4"}:
        return None
    key = score.analyze("key")
    shift = home_shift(key.tonic.pitchClass, key.mode)  # the nearest C major / A minor
    measures = list(parts[0].getElementsByClass("Measure"))
    pickup = float(measures[0].duration.quarterLength) if measures else 4.0
    lead = int(round((4.0 - pickup) * 4)) % STEPS_PER_BAR
    end = max(float(p.highestTime) for p in parts)
    steps = lead + int(np.ceil(end * 4))
    steps = -(-steps // STEPS_PER_BAR) * STEPS_PER_BAR
    roll = np.full((4, steps), REST, np.int8)
    for v, part in enumerate(parts):
        for n in part.flatten().notes:
            pitch = n.pitch.midi if n.isNote else max(p.midi for p in n.pitches)
            a = lead + int(round(float(n.offset) * 4))
            b = lead + int(round(float(n.offset + n.quarterLength) * 4))
            roll[v, a:max(b, a + 1)] = pitch + shift
    return roll


def segments(roll: np.ndarray, *, bars: int = BARS, hop_bars: int = 1) -> list[np.ndarray]:
    """Every ``bars``-bar window of a roll (hop ``hop_bars``) that is not mostly rests."""
    width = bars * STEPS_PER_BAR
    out = []
    for start in range(0, roll.shape[1] - width + 1, hop_bars * STEPS_PER_BAR):
        window = roll[:, start:start + width]
        if np.mean(window != REST) > 0.6:
            out.append(window)
    return out


@dataclass(frozen=True)
class Chorales:
    """The chorales dataset under ``root`` (a cache folder); :meth:`load` builds it on first use."""

    root: str | None = None

    @property
    def folder(self) -> Path:
        """Where the dataset lives (``root``, else :func:`default_root`)."""
        return Path(self.root) if self.root else default_root()

    def build(self, *, progress: bool = True) -> Path:
        """Parse the corpus (about a minute) and write ``chorales.npz`` atomically."""
        import io

        from sonitus.atomic import atomic_write_bytes
        from sonitus.progress import track

        try:
            from music21 import corpus, environment
        except ImportError as exc:
            raise DatasetError("The chorales dataset needs music21 (pip install 'sonitus[gan]').") from exc
        self.folder.mkdir(parents=True, exist_ok=True)
        scratch = self.folder / "music21"
        scratch.mkdir(exist_ok=True)
        environment.Environment()["directoryScratch"] = str(scratch)  # this process only
        paths = sorted(str(p) for p in corpus.getComposer("bach"))
        if not paths:
            raise DatasetError("music21's corpus has no Bach chorales; reinstall music21.")
        pieces, names, seen = [], [], set()
        for path in track(paths, description="parsing chorales", disable=not progress):
            try:
                roll = chorale_roll(corpus.parse(path))
            except Exception:  # a few corpus files do not parse; they are skipped
                continue
            if roll is None:
                continue
            melody = hashlib.sha1(roll[0].tobytes()).hexdigest()
            if melody in seen:
                continue
            seen.add(melody)
            pieces.append(roll)
            names.append(Path(path).name)
        held = [i % 10 == 9 for i in range(len(pieces))]
        train = [s for p, h in zip(pieces, held) if not h for s in segments(p)]
        test = [s for p, h in zip(pieces, held) if h for s in segments(p)]
        buffer = io.BytesIO()
        np.savez_compressed(buffer, train=np.stack(train), held_out=np.stack(test),
                            meta=np.frombuffer(json.dumps({"format": FORMAT, "pieces": names,
                                                           "held_out": [n for n, h in zip(names, held) if h]}).encode(),
                                               np.uint8))
        return atomic_write_bytes(self.folder / "chorales.npz", buffer.getvalue())

    def load(self, *, progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """``(train, held_out)`` int8 voice rolls ``[segments, 4, 64]``, built if missing."""
        file = self.folder / "chorales.npz"
        if not file.exists():
            self.build(progress=progress)
        with np.load(file) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            if meta.get("format") != FORMAT:
                raise DatasetError(f"{file} is from another sonitus version; delete it to rebuild.")
            return data["train"], data["held_out"]

    def info(self) -> dict:
        """Pieces and segments of each split."""
        with np.load(self.folder / "chorales.npz") as data:
            meta = json.loads(bytes(data["meta"]).decode())
            return {"pieces": len(meta["pieces"]), "held_out_pieces": len(meta["held_out"]),
                    "train_segments": int(data["train"].shape[0]), "held_out_segments": int(data["held_out"].shape[0])}
