"""The one error hierarchy of sonitus.

Every error a user can cause derives from :class:`SonitusError` and carries a message
that says what went wrong and what to do about it. The CLI prints that message on one
line and exits non-zero (the traceback only with ``--debug``).
"""

from __future__ import annotations

__all__ = [
    "SonitusError",
    "OutputError",
    "DiskFullError",
    "ParameterError",
    "DependencyError",
    "AudioError",
    "AudioNotFoundError",
    "EmptyAudioError",
    "NotAudioError",
    "TruncatedAudioError",
    "NonFiniteAudioError",
    "PluginError",
    "UnknownStageError",
    "PipelineError",
    "StageTypeMismatchError",
    "DSLSyntaxError",
    "MusicError",
    "ScoreError",
    "CheckpointError",
    "DatasetError",
    "TrainingError",
    "whole_number",
]


class SonitusError(Exception):
    """Base class of every error sonitus raises on purpose."""


class ParameterError(SonitusError, ValueError):
    """An option or argument has a value the stage cannot use."""


class DependencyError(SonitusError, ImportError):
    """A library or system package that this feature needs is not installed."""


class AudioError(SonitusError):
    """An audio file or buffer cannot be used."""


class AudioNotFoundError(AudioError, FileNotFoundError):
    """The audio file does not exist."""


class EmptyAudioError(AudioError):
    """The audio file or buffer holds no samples."""


class NotAudioError(AudioError):
    """The file is not in an audio format sonitus can read."""


class TruncatedAudioError(AudioError):
    """The audio file ends before its header says it should."""


class NonFiniteAudioError(AudioError, ValueError):
    """The samples contain NaN or infinity."""


class PluginError(SonitusError):
    """A plugin failed to load, or its stage failed to build."""

    def __init__(self, message: str, *, plugin: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin


class UnknownStageError(PluginError, LookupError):
    """No plugin provides a stage with the requested name."""

    def __init__(self, message: str, *, name: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.name = name
        self.suggestions = suggestions


class PipelineError(SonitusError):
    """A pipeline cannot be built or run."""


class StageTypeMismatchError(PipelineError, TypeError):
    """Two stages were composed whose output and input types do not fit."""


class DSLSyntaxError(SonitusError, ValueError):
    """DSL text could not be parsed; ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, *, line: int, column: int, expected: str | None = None,
                 source: str | None = None) -> None:
        where = f"line {line}, column {column}"
        full = f"{message} at {where}" + (f" (expected {expected})" if expected else "")
        if source is not None:
            lines = source.splitlines() or [""]
            if 1 <= line <= len(lines):
                text, caret = lines[line - 1], column - 1
                if len(text) > 100:  # a window round the column, not a megabyte of one line
                    start = max(0, caret - 50)
                    text = ("..." if start else "") + text[start:start + 100] + ("..." if start + 100 < len(text) else "")
                    caret = caret - start + (3 if start else 0)
                full += f"\n  {text}\n  {' ' * caret}^"
        super().__init__(full)
        self.line = line
        self.column = column
        self.expected = expected


class MusicError(SonitusError, ValueError):
    """A musical value is invalid (pitch out of range, unknown chord or instrument, ...)."""


class ScoreError(SonitusError):
    """A MIDI file or score cannot be read, written or rendered."""


class CheckpointError(SonitusError):
    """A checkpoint file is missing, corrupt, or for a different model."""


class DatasetError(SonitusError):
    """A dataset cannot be built or read."""


class TrainingError(SonitusError):
    """Training cannot start or continue."""


class OutputError(SonitusError):
    """An output file cannot be written where it was asked for (a folder, a read-only place)."""


class DiskFullError(OutputError):
    """The disk (or quota) filled up while writing; nothing partial was left. Not the input's
    fault: work over many files stops at the first one instead of failing them all."""


def whole_number(value, name: str, low: int, high: int, *, unit: str = "", why: str = "") -> int:
    """``value`` as an int in ``[low, high]``, or a ParameterError naming ``name``, the value
    and the range (``unit`` follows the numbers, ``why`` ends the sentence)."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value).is_integer():
        raise ParameterError(f"{name} must be a whole number{unit and ' of' + unit}, not {value!r}.")
    if not low <= value <= high:
        raise ParameterError(f"{name} must be between {low} and {high}{unit}, not {value}{why}.")
    return int(value)
