"""MIDI channels for the parts of a piece: the one rule that writing a MIDI file and rendering a
score both follow.

>>> assign_channels([(0, False), (0, False), (33, False), (0, True)])
[0, 1, 2, 9]
"""

from __future__ import annotations

from collections.abc import Sequence

from sonitus.errors import MusicError

__all__ = ["DRUM_CHANNEL", "assign_channels"]

#: General MIDI's channel 10, counted from 0
DRUM_CHANNEL = 9


def assign_channels(parts: Sequence[tuple[int, bool]]) -> list[int]:
    """A channel (0-15) for each part, given as ``(program, is_drum)`` in order: drums on
    :data:`DRUM_CHANNEL`; each pitched part a channel of its own while the other 15 last (so one
    part's pitch bends and controllers never move another's); past 15 pitched parts, a part
    shares the channel of an earlier part with its program. More than 15 programs is a
    :class:`~sonitus.errors.MusicError`."""
    free = [c for c in range(16) if c != DRUM_CHANNEL]
    share = sum(1 for _, drum in parts if not drum) > len(free)
    by_program: dict[int, int] = {}
    out = []
    for program, drum in parts:
        if drum:
            out.append(DRUM_CHANNEL)
        elif share and program in by_program:
            out.append(by_program[program])
        elif free:
            out.append(free.pop(0))
            by_program.setdefault(program, out[-1])
        else:
            programs = len({p for p, d in parts if not d})
            raise MusicError(f"the piece has {programs} instruments with different programs; MIDI has 16 channels, "
                             f"one of them for drums, so at most 15 can play.")
    return out
