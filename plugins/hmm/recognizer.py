"""The ``hmm-words`` stage: one spoken word (digits and commands) recognised by the best-scoring
of the word GMM-HMMs."""

from __future__ import annotations

from sonitus import Audio, Transcript
from sonitus.stages import StageBase

__all__ = ["HMMWordsRecognizer"]


class HMMWordsRecognizer(StageBase):
    """Recognise one spoken word (digits and commands) with GMM-HMMs; model= a checkpoint path;
    threshold= rejects (no word) answers less confident than it (0.9 rejects most non-words).

    Audio -> Transcript: the word whose model scores the audio best."""

    name = "hmm-words"
    consumes = Audio
    produces = Transcript

    def __init__(self, model: str | None = None, threshold: float = 0.0) -> None:
        from sonitus.errors import ParameterError

        from .words import WordModels

        if not 0 <= threshold <= 1:
            raise ParameterError(f"hmm-words: threshold is a confidence between 0 and 1, not {threshold}.")
        self.models = WordModels.load(model)
        self.threshold = threshold

    def __call__(self, audio: Audio) -> Transcript:
        return self.models.recognize([audio], threshold=self.threshold)[0]

    def map(self, audios):
        return self.models.recognize(list(audios), threshold=self.threshold)
