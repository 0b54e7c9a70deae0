"""Notes and phrases: timed pitches and the transformations composers use.

Time is in beats (a quarter note is 1 beat) as exact fractions, so transformations never
drift. A :class:`Phrase` is immutable; every transformation returns a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from sonitus.errors import MusicError

from .pitch import check_pitch, pitch_name
from .scales import Key

__all__ = ["Note", "Phrase", "DYNAMICS", "euclid", "rest"]

DYNAMICS = {"ppp": 16, "pp": 33, "p": 49, "mp": 64, "mf": 80, "f": 96, "ff": 112, "fff": 127}


def _beats(value: Fraction | int | float | str) -> Fraction:
    return Fraction(value).limit_denominator(1 << 20) if isinstance(value, float) else Fraction(value)


@dataclass(frozen=True)
class Note:
    """A pitch sounding from ``start`` for ``duration`` beats.

    ``gate`` is the articulation: the note sounds for ``duration * gate`` (staccato 0.5,
    normal 0.95, legato 1.0).
    """

    pitch: int
    start: Fraction
    duration: Fraction
    velocity: int = 80
    gate: float = 0.95

    def __post_init__(self) -> None:
        check_pitch(self.pitch)
        if not 1 <= self.velocity <= 127:
            raise MusicError(f"velocity {self.velocity} is outside 1-127.")
        if self.duration <= 0:
            raise MusicError(f"a note needs a positive duration, not {self.duration} beats.")

    def __repr__(self) -> str:
        return f"Note({pitch_name(self.pitch)}, start={self.start}, dur={self.duration}, vel={self.velocity})"


#: the most notes one phrase may hold: a guard against texts like ``((C4)*1000)*1000``
MAX_NOTES = 200_000


def _too_many(count: int):
    raise MusicError(f"this would make {count:,} notes; a phrase holds at most {MAX_NOTES:,}. "
                     "Lower the repeat counts.")


@dataclass(frozen=True)
class Phrase:
    """Notes in time order of writing, and a length in beats (trailing rests count)."""

    notes: tuple[Note, ...] = ()
    length: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        end = max((n.start + n.duration for n in self.notes), default=Fraction(0))
        if self.length < end:
            object.__setattr__(self, "length", end)

    # -- combination ---------------------------------------------------------------
    def __add__(self, other: Phrase) -> Phrase:
        """Concatenation: ``other`` starts when this phrase ends."""
        return Phrase(self.notes + tuple(replace(n, start=n.start + self.length) for n in other.notes),
                      self.length + other.length)

    def __and__(self, other: Phrase) -> Phrase:
        """Layering: both phrases start together."""
        return Phrase(self.notes + other.notes, max(self.length, other.length))

    layer = __and__

    def __mul__(self, times: int) -> Phrase:
        return self.repeat(times)

    def repeat(self, times: int) -> Phrase:
        """The phrase ``times`` times in a row (at most ``MAX_NOTES`` notes in all)."""
        if times < 1:
            raise MusicError(f"repeat needs a positive count, not {times}.")
        if len(self.notes) * times > MAX_NOTES:  # before building a list of `times` references
            _too_many(len(self.notes) * times)
        return Phrase.concat([self] * times)

    @staticmethod
    def concat(phrases: list[Phrase]) -> Phrase:
        """The phrases one after another, built in one pass (``a + b + c ...`` copies each time)."""
        total = sum(len(p.notes) for p in phrases)
        if total > MAX_NOTES:
            _too_many(total)
        notes, offset = [], Fraction(0)
        for p in phrases:
            notes.extend(replace(n, start=n.start + offset) for n in p.notes)
            offset += p.length
        return Phrase(tuple(notes), offset)

    # -- pitch ---------------------------------------------------------------------
    def transpose(self, semitones: int) -> Phrase:
        """Shift every pitch by ``semitones`` (chromatic)."""
        return Phrase(tuple(replace(n, pitch=check_pitch(n.pitch + semitones)) for n in self.notes), self.length)

    def transpose_diatonic(self, steps: int, key: Key | str) -> Phrase:
        """Move every note ``steps`` scale steps within ``key``; notes off the scale move with their neighbour below."""
        key = Key.parse(key) if isinstance(key, str) else key
        out = []
        for n in self.notes:
            index = key.index_of(n.pitch)
            if index is None:
                below = n.pitch - 1
                while key.index_of(below) is None:
                    below -= 1
                offset = n.pitch - below
                out.append(replace(n, pitch=check_pitch(key.pitch_at(key.index_of(below) + steps) + offset)))
            else:
                out.append(replace(n, pitch=key.pitch_at(index + steps)))
        return Phrase(tuple(out), self.length)

    def invert(self, axis: int | None = None) -> Phrase:
        """Mirror pitches around ``axis`` (default: the first note's pitch)."""
        if not self.notes:
            return self
        axis = self.notes[0].pitch if axis is None else axis
        return Phrase(tuple(replace(n, pitch=check_pitch(2 * axis - n.pitch)) for n in self.notes), self.length)

    def retrograde(self) -> Phrase:
        """Play the phrase backwards."""
        return Phrase(tuple(replace(n, start=self.length - n.start - n.duration) for n in reversed(self.notes)),
                      self.length)

    # -- time ----------------------------------------------------------------------
    def augment(self, factor: Fraction | int | float = 2) -> Phrase:
        """Stretch durations and onsets by ``factor`` (2 = twice as slow)."""
        f = _beats(factor)
        if f <= 0:
            raise MusicError(f"augment needs a positive factor, not {factor}.")
        return Phrase(tuple(replace(n, start=n.start * f, duration=n.duration * f) for n in self.notes),
                      self.length * f)

    def diminish(self, factor: Fraction | int | float = 2) -> Phrase:
        """Compress by ``factor`` (2 = twice as fast)."""
        return self.augment(1 / _beats(factor))

    def shift(self, beats: Fraction | int | float) -> Phrase:
        """Delay every note by ``beats``."""
        b = _beats(beats)
        return Phrase(tuple(replace(n, start=n.start + b) for n in self.notes), self.length + b)

    def arpeggiate(self, step: Fraction | int | float = Fraction(1, 4), pattern: str = "up") -> Phrase:
        """Spread each chord (notes starting together) ``step`` beats apart: up, down or updown."""
        step = _beats(step)
        groups: dict[Fraction, list[Note]] = {}
        for n in self.notes:
            groups.setdefault(n.start, []).append(n)
        out = []
        for start, chord in groups.items():
            ordered = sorted(chord, key=lambda n: n.pitch)
            if pattern == "down":
                ordered.reverse()
            elif pattern == "updown":
                ordered = ordered + ordered[-2:0:-1]
            elif pattern != "up":
                raise MusicError(f"arpeggio pattern must be up, down or updown, not {pattern!r}.")
            span = max(n.duration for n in chord)
            t = Fraction(0)
            i = 0
            while t < span:
                n = ordered[i % len(ordered)]
                out.append(replace(n, start=start + t, duration=min(step, span - t)))
                t += step
                i += 1
        return Phrase(tuple(out), self.length)

    # -- expression ----------------------------------------------------------------
    def velocity(self, value: int | str) -> Phrase:
        """Set every velocity to a number 1-127 or a dynamic mark (pp ... ff)."""
        v = _velocity(value)
        return Phrase(tuple(replace(n, velocity=v) for n in self.notes), self.length)

    def crescendo(self, start: int | str, end: int | str) -> Phrase:
        """Velocities move linearly from ``start`` to ``end`` over the phrase (a decrescendo if lower)."""
        a, b = _velocity(start), _velocity(end)
        span = self.length or Fraction(1)
        return Phrase(tuple(replace(n, velocity=max(1, min(127, round(a + (b - a) * float(n.start / span)))))
                            for n in self.notes), self.length)

    def staccato(self, gate: float = 0.5) -> Phrase:
        """Shorten each note's sounding time to ``gate`` of its written length."""
        return self.articulate(gate)

    def legato(self) -> Phrase:
        """Hold each note for its full written length."""
        return self.articulate(1.0)

    def articulate(self, gate: float) -> Phrase:
        if not 0 < gate <= 1.5:
            raise MusicError(f"articulation gate must be in (0, 1.5], not {gate}.")
        return Phrase(tuple(replace(n, gate=gate) for n in self.notes), self.length)

    def pitches(self) -> list[int]:
        return [n.pitch for n in self.notes]

    def __repr__(self) -> str:
        return f"Phrase({len(self.notes)} notes, {self.length} beats)"


def _velocity(value: int | str) -> int:
    if isinstance(value, str):
        if value not in DYNAMICS:
            raise MusicError(f"unknown dynamic {value!r}; use one of {', '.join(DYNAMICS)}.")
        return DYNAMICS[value]
    if not 1 <= int(value) <= 127:
        raise MusicError(f"velocity {value} is outside 1-127.")
    return int(value)


def rest(beats: Fraction | int | float = 1) -> Phrase:
    """Silence lasting ``beats``."""
    return Phrase((), _beats(beats))


def euclid(hits: int, steps: int, pitch: int = 60, *, step: Fraction | int | float = Fraction(1, 4),
           rotate: int = 0, velocity: int = 90) -> Phrase:
    """A Euclidean rhythm: ``hits`` onsets spread as evenly as possible over ``steps`` steps (Bjorklund)."""
    if not 0 <= hits <= steps or steps < 1:
        raise MusicError(f"euclid needs 0 <= hits <= steps and steps >= 1; got {hits}, {steps}.")
    pattern = [(i * hits) % steps < hits for i in range(steps)]  # Bresenham form of Bjorklund
    pattern = pattern[-rotate % steps:] + pattern[:-rotate % steps] if rotate else pattern
    step = _beats(step)
    notes = tuple(Note(check_pitch(pitch), i * step, step, velocity) for i, on in enumerate(pattern) if on)
    return Phrase(notes, steps * step)
