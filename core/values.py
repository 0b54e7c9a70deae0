"""The small immutable values that flow between stages (besides `Audio` and `Score`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError

__all__ = ["Features", "Spectrogram", "Word", "Transcript"]


@dataclass(frozen=True, eq=False)
class Features:
    """Frame-wise features.

    Attributes:
        data: ``[frames, dims]``, or batched ``[batch, frames, dims]``.
        frame_rate: frames per second (Hz).
        kind: what the dimensions are, e.g. ``"logmel"``, ``"mfcc"``, ``"stft"``.
        lengths: for a batch, the number of valid frames of each item (``None``: all valid).
    """

    data: np.ndarray
    frame_rate: float
    kind: str
    lengths: np.ndarray | None = None

    def __post_init__(self) -> None:
        if np.ndim(self.data) not in (2, 3):
            raise ParameterError(f"Features data must be [frames, dims] or [batch, frames, dims]; "
                                 f"got shape {np.shape(self.data)}.")
        if self.frame_rate <= 0:
            raise ParameterError(f"frame_rate must be positive, not {self.frame_rate}.")

    @property
    def frames(self) -> int:
        """Number of frames (per item, for a batch)."""
        return int(np.shape(self.data)[-2])

    @property
    def dims(self) -> int:
        """Size of one feature vector."""
        return int(np.shape(self.data)[-1])

    @property
    def duration(self) -> float:
        """Length in seconds covered by the frames."""
        return self.frames / self.frame_rate

    def __repr__(self) -> str:
        return f"Features(kind={self.kind!r}, shape={tuple(np.shape(self.data))}, frame_rate={self.frame_rate:g})"


@dataclass(frozen=True, eq=False)
class Spectrogram:
    """A magnitude spectrogram ``[freq, frames]`` (or ``[batch, freq, frames]``).

    Attributes:
        magnitude: linear magnitudes, ``n_fft // 2 + 1`` frequency bins.
        sample_rate: the rate of the audio it describes (Hz).
        n_fft: FFT size in samples.
        hop_length: samples between frames.
    """

    magnitude: np.ndarray
    sample_rate: int
    n_fft: int
    hop_length: int

    def __post_init__(self) -> None:
        if np.ndim(self.magnitude) not in (2, 3):
            raise ParameterError(f"Spectrogram magnitude must be [freq, frames]; got shape "
                                 f"{np.shape(self.magnitude)}.")
        if np.shape(self.magnitude)[-2] != self.n_fft // 2 + 1:
            raise ParameterError(f"A spectrogram with n_fft={self.n_fft} has {self.n_fft // 2 + 1} "
                                 f"frequency bins, not {np.shape(self.magnitude)[-2]}.")

    @property
    def frames(self) -> int:
        """Number of time frames."""
        return int(np.shape(self.magnitude)[-1])

    @property
    def duration(self) -> float:
        """Approximate length in seconds of the audio it describes."""
        return self.frames * self.hop_length / self.sample_rate

    def __repr__(self) -> str:
        return (f"Spectrogram(shape={tuple(np.shape(self.magnitude))}, sample_rate={self.sample_rate}, "
                f"n_fft={self.n_fft}, hop_length={self.hop_length})")


@dataclass(frozen=True)
class Word:
    """One recognised word with its time span (seconds) and confidence (0-1)."""

    text: str
    start: float
    end: float
    confidence: float = 1.0


@dataclass(frozen=True)
class Transcript:
    """What a recogniser heard: the text and its words with timings.

    ``str(transcript)`` is the text. ``info`` holds what a decoder adds (JSON-ready), e.g. grammar
    mode's ``rejected``, ``best`` (the closest phrase, also when rejected), ``rejection`` and
    ``threshold`` (nats a frame), or a multilingual model's ``language``.
    """

    text: str
    words: tuple[Word, ...] = field(default_factory=tuple)
    score: float | None = None
    info: dict = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return self.text

    @classmethod
    def from_words(cls, words: list[Word] | tuple[Word, ...], *, score: float | None = None) -> Transcript:
        """Build a transcript whose text is the words joined by spaces."""
        return cls(" ".join(w.text for w in words), tuple(words), score)

    def _repr_html_(self) -> str:
        """The words for Jupyter, each with its times on hover and shaded by confidence."""
        from html import escape

        if not self.words:
            return f"<p>{escape(self.text) or '<i>(nothing heard)</i>'}</p>"
        spans = [f'<span title="{w.start:.2f}-{w.end:.2f} s, confidence {w.confidence:.2f}" '
                 f'style="background: rgba(255, 170, 0, {0.6 * (1 - w.confidence):.2f})">{escape(w.text)}</span>'
                 for w in self.words]
        return "<p>" + " ".join(spans) + "</p>"

    def to_dict(self) -> dict:
        """A JSON-ready dictionary."""
        return {"text": self.text, "score": self.score, **self.info,
                "words": [{"text": w.text, "start": w.start, "end": w.end,
                           "confidence": w.confidence} for w in self.words]}
