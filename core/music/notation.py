"""The mini-notation: a small text language for phrases, parsed by hand (never evaluated).

::

    C4/8 E4/8 G4/4 [C4 E4 G4]/2. r/4      notes, an explicit chord, a dotted half, a rest
    @Cmaj7/2 @G7/B/4 @Am/4                chord symbols (root octave 4, slash bass below)
    ^1/8 ^3 ^5 ^b7 ^8/2                    scale degrees (needs key=...)
    60/4 64 67                             MIDI numbers
    (C4 D4 E4)*2 | F4/2                   groups with repeats; bar lines are decoration
    C4/8t D4 E4  C4/16:5                  triplets, quintuplets
    C4/4!ff D4!64 E4' F4~ G4>            velocity, staccato ('), legato (~), accent (>)
    kick/4 snare hat/8 hat                 drum names (in drum tracks)

A duration ``/N`` is 1/N of a whole note, dots add halves, ``t`` makes a triplet and
``:k`` a k-tuplet; a note without one repeats the previous duration (a quarter at first).
A dynamic or velocity (``!ff``, ``!64``) follows its note and holds for the notes after it,
until the next one; an accent (``>``) and the articulations belong to one note.
``#`` starts a comment.
"""

from __future__ import annotations

from fractions import Fraction

from sonitus.errors import DSLSyntaxError, MusicError

from .chords import chord_pitches
from .phrase import DYNAMICS, MAX_NOTES, Note, Phrase
from .pitch import PITCH_CLASSES, check_pitch
from .scales import Key

__all__ = ["parse_phrase", "DRUMS", "MAX_DEPTH"]

#: how deep ( ) groups may nest (each level is a recursive call of the parser)
MAX_DEPTH = 64


def _digit(c: str) -> bool:
    """An ASCII digit: ``str.isdigit`` also accepts superscripts such as '²', which ``int`` refuses."""
    return len(c) == 1 and "0" <= c <= "9"

DRUMS = {
    "kick": 36, "bd": 36, "kick2": 35, "snare": 38, "sd": 38, "rim": 37, "clap": 39, "snare2": 40,
    "hat": 42, "hh": 42, "closedhat": 42, "pedalhat": 44, "openhat": 46, "oh": 46,
    "tom1": 50, "hightom": 50, "tom2": 47, "midtom": 47, "tom3": 43, "lowtom": 43, "floortom": 41,
    "crash": 49, "ride": 51, "ridebell": 53, "china": 52, "splash": 55, "tambourine": 54,
    "cowbell": 56, "shaker": 70, "clave": 75, "woodblock": 76, "conga": 63, "bongo": 60,
}


class _Parser:
    def __init__(self, text: str, key: Key | None, drums: bool, octave: int, velocity: int) -> None:
        self.text = text
        self.pos = 0
        self.key = key
        self.drums = drums
        self.octave = octave
        self.duration = Fraction(1)  # beats: a quarter
        self.velocity = velocity
        self.depth = 0

    # -- positions and errors ------------------------------------------------------------
    def where(self, pos: int | None = None) -> tuple[int, int]:
        pos = self.pos if pos is None else pos
        line = self.text.count("\n", 0, pos) + 1
        column = pos - (self.text.rfind("\n", 0, pos) + 1) + 1
        return line, column

    def error(self, message: str, expected: str | None = None, pos: int | None = None) -> DSLSyntaxError:
        line, column = self.where(pos)
        return DSLSyntaxError(message, line=line, column=column, expected=expected, source=self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_space(self) -> None:
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c in " \t\r\n|":
                self.pos += 1
            elif c == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                break

    def take_while(self, allowed) -> str:
        start = self.pos
        while self.pos < len(self.text) and allowed(self.text[self.pos]):
            self.pos += 1
        return self.text[start:self.pos]

    def integer(self, what: str, signed: bool = False) -> int:
        start = self.pos
        sign = ""
        if signed and self.peek() == "-":
            sign = "-"
            self.pos += 1
        digits = self.take_while(_digit)
        if not digits:
            self.pos = start
            raise self.error(f"expected {what}", expected="a number")
        return int(sign + digits)

    # -- grammar -------------------------------------------------------------------------
    def sequence(self, closing: str = "") -> Phrase:
        items: list[Phrase] = []  # joined once at the end: linear in the number of notes
        count = 0
        while True:
            self.skip_space()
            c = self.peek()
            if not c:
                if closing:
                    raise self.error(f"missing '{closing}'", expected=f"'{closing}'")
                return Phrase.concat(items)
            if c == closing:
                self.pos += 1
                return Phrase.concat(items)
            if c in ")]":
                raise self.error(f"unexpected '{c}'", expected="a note, rest, chord or group")
            start = self.pos
            items.append(self.item())
            count += len(items[-1].notes)
            if count > MAX_NOTES:
                raise self.error(f"the text makes more than {MAX_NOTES:,} notes; lower the repeat counts",
                                 pos=start)

    def item(self) -> Phrase:
        start = self.pos
        c = self.peek()
        if c == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"groups nest more than {MAX_DEPTH} deep", expected="fewer nested '('", pos=start)
            self.pos += 1
            group = self.sequence(")")
            self.depth -= 1
            if self.peek() == "*":
                self.pos += 1
                times = self.integer("a repeat count after '*'")
                if times < 1:
                    raise self.error("a repeat count must be at least 1", pos=start)
                if len(group.notes) * times > MAX_NOTES:
                    raise self.error(f"this repeat makes {len(group.notes) * times:,} notes, more than "
                                     f"{MAX_NOTES:,}; lower the repeat count", pos=start)
                group = group.repeat(times)
            return group
        pitches = self.pitches()
        duration = self.read_duration()
        velocity, gate = self.modifiers()
        if pitches is None:
            return Phrase((), duration)
        try:
            notes = tuple(Note(p, Fraction(0), duration, velocity, gate) for p in pitches)
        except MusicError as exc:
            raise self.error(str(exc), pos=start) from None
        return Phrase(notes, duration)

    def pitches(self) -> list[int] | None:
        start = self.pos
        c = self.peek()
        try:
            if c == "r" and not self.text[self.pos + 1:self.pos + 2].isalpha():
                self.pos += 1
                return None
            if c == "[":
                self.pos += 1
                out = []
                while True:
                    self.skip_space()
                    if self.peek() == "]":
                        self.pos += 1
                        break
                    if not self.peek():
                        raise self.error("missing ']' to close the chord", expected="']'")
                    out.append(self.single_pitch())
                if not out:
                    raise self.error("an empty chord", expected="notes inside [ ]", pos=start)
                return out
            if c == "@":
                self.pos += 1
                symbol = self.take_while(lambda ch: ch.isalnum() or ch in "#+-øo")
                if self.peek() == "/" and self.text[self.pos + 1:self.pos + 2].isalpha():
                    self.pos += 1
                    symbol += "/" + self.take_while(lambda ch: ch.isalpha() or ch == "#")
                if not symbol:
                    raise self.error("expected a chord symbol after '@'", expected="e.g. @Cmaj7")
                return list(chord_pitches(symbol, self.octave))
            return [self.single_pitch()]
        except MusicError as exc:
            if isinstance(exc, DSLSyntaxError):
                raise
            raise self.error(str(exc), pos=start) from None

    def single_pitch(self) -> int:
        start = self.pos
        c = self.peek()
        if c == "^":
            self.pos += 1
            if self.key is None:
                raise self.error("scale degrees (^N) need a key", expected="key='C major' or similar", pos=start)
            accidental = {"#": 1, "b": -1}.get(self.peek(), 0)
            if accidental:
                self.pos += 1
            return self.key.degree(self.integer("a scale degree", signed=True), self.octave, accidental)
        if _digit(c):
            return check_pitch(self.integer("a MIDI note number"))
        if c.upper() in PITCH_CLASSES and not self.drums:
            self.pos += 1
            value = PITCH_CLASSES[c.upper()]
            while self.peek() in ("#", "b"):
                value += 1 if self.peek() == "#" else -1
                self.pos += 1
            if not (_digit(self.peek()) or self.peek() == "-"):
                raise self.error(f"note {self.text[start:self.pos]!r} needs an octave",
                                 expected="an octave number, e.g. C4 (use @C for a chord symbol)")
            octave = self.integer("an octave", signed=True)
            return check_pitch(12 * (octave + 1) + value)
        if c.isalpha():
            word = self.take_while(lambda ch: ch.isalnum())
            if word in DRUMS:
                return DRUMS[word]
            import difflib

            close = difflib.get_close_matches(word, list(DRUMS), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise self.error(f"unknown note or drum {word!r}{hint}",
                             expected="a note such as C4, a rest r, a chord [..] or @Am, or a drum name",
                             pos=start)
        if c == "!":
            raise self.error("a dynamic comes after its note", pos=start,
                             expected="a note first: C4/4!ff, not !ff C4/4")
        raise self.error(f"unexpected {c!r}", expected="a note such as C4, a rest r, a chord [..] or @Am",
                         pos=start)

    def read_duration(self) -> Fraction:
        if self.peek() != "/":
            return self.duration
        self.pos += 1
        start = self.pos
        n = self.integer("a note value after '/' (1, 2, 4, 8, 16, 32 or 64)")
        if n < 1:
            raise self.error("a note value must be at least 1", pos=start)
        if n & (n - 1) or n > 64:
            raise self.error(f"/{n} is not a note value", pos=start,
                             expected="1, 2, 4, 8, 16, 32 or 64; a triplet is /8t, a quintuplet /16:5")
        value = Fraction(4, n)
        dot = value / 2
        while self.peek() == ".":
            self.pos += 1
            value += dot
            dot /= 2
        if self.peek() == "t":
            self.pos += 1
            value *= Fraction(2, 3)
        elif self.peek() == ":":
            self.pos += 1
            k = self.integer("a tuplet count after ':'")
            if k < 2:
                raise self.error("a tuplet needs at least 2 notes", pos=start)
            value *= Fraction(1 << (k.bit_length() - 1) if k & (k - 1) else k // 2, k)
        self.duration = value
        return value

    def modifiers(self) -> tuple[int, float]:
        velocity, gate = self.velocity, 0.95
        while True:
            c = self.peek()
            if c == "!":
                self.pos += 1
                start = self.pos
                if _digit(self.peek()):
                    velocity = self.integer("a velocity")
                    if not 1 <= velocity <= 127:
                        raise self.error(f"velocity {velocity} is outside 1-127", pos=start)
                else:
                    mark = self.take_while(lambda ch: ch.isalpha())
                    if mark not in DYNAMICS:
                        raise self.error(f"unknown dynamic {mark!r}", expected=" or ".join(DYNAMICS), pos=start)
                    velocity = DYNAMICS[mark]
                self.velocity = velocity  # a dynamic holds until the next one, as a length does
            elif c == "'":
                self.pos += 1
                gate = 0.5
            elif c == "~":
                self.pos += 1
                gate = 1.0
            elif c == ">":
                self.pos += 1
                velocity = min(127, velocity + 20)
            else:
                return velocity, gate


def parse_phrase(text: str, *, key: Key | str | None = None, drums: bool = False, octave: int = 4,
                 velocity: int = 80) -> Phrase:
    """Parse mini-notation into a :class:`Phrase`; errors name the line and column.

    Args:
        text: the notation.
        key: needed for scale degrees ``^N`` (e.g. ``"D dorian"``).
        drums: read lowercase words as drum names (``kick``, ``snare``, ``hat``, ...).
        octave: octave of chord-symbol roots and of degree 1.
        velocity: the default loudness, 1-127.
    """
    if isinstance(key, str):
        key = Key.parse(key)
    return _Parser(text, key, drums, octave, velocity).sequence()
