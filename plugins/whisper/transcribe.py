"""Long-form transcription: 30 s windows moved along each file by the timestamps the model
predicts (a window ends at the last complete segment, so no word is cut at a window edge),
windows of many files decoded together, and openai-whisper's fallback to sampling at higher
temperatures when a window's text repeats itself or is unlikely.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
from sonitus.memory import release_free_memory

from .decoding import DecodeOptions, DecodeResult, decode_windows
from .frontend import HOP, N_FRAMES, SAMPLE_RATE, check_audio_context
from .longform import MelArray, MelFile
from .runtime import TIME_PRECISION, Runtime

__all__ = ["TranscribeOptions", "Segment", "FileResult", "transcribe_waves"]

#: mel frames a timestamp step stands for (the encoder halves the frame rate)
_INPUT_STRIDE = 2
#: "clip": mel frames heard after the audio, and the step the length is rounded up to (few shapes compile)
_CLIP_MARGIN, _CLIP_STEP = 100, 200


@dataclasses.dataclass(frozen=True)
class TranscribeOptions:
    """Decoding options and openai-whisper's thresholds (its defaults).

    Attributes:
        beam: beam width at temperature 0.
        temperatures: tried in turn while a window fails the two tests below.
        compression_ratio_threshold: a window whose text's gzip ratio exceeds it repeats itself.
        logprob_threshold: a window whose mean token log-probability is below it is unlikely.
        no_speech_threshold: a window whose no-speech probability exceeds it, and whose text is
            unlikely, is silence: it gives no text.
        condition_on_previous_text: prompt each window with the text before it.
        batch: windows decoded together.
        word_timestamps: time each word (cross-attention + DTW; one more decoder pass a window).
        audio_context: ``"full"``: the encoder hears 30 s, the audio then silence, as the model
            was trained; ``"clip"``: only a batch's longest audio + 1 s (whisper.cpp's
            ``audio_ctx``), much faster on short clips; a model loops on some clips unless it
            was tuned for it (the recogniser loads tiny.en with its clip-context adapter:
            :mod:`.clip_adapter`; docs/asr.md, "Short clips").
    """

    beam: int = 5
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    compression_ratio_threshold: float = 2.4
    logprob_threshold: float = -1.0
    no_speech_threshold: float = 0.6
    condition_on_previous_text: bool = True
    best_of: int = 5
    language: str | None = None
    task: str = "transcribe"
    batch: int = 8
    word_timestamps: bool = True
    audio_context: str = "full"

    def __post_init__(self):
        check_audio_context(self.audio_context)


@dataclasses.dataclass(frozen=True)
class Segment:
    """A stretch of text between two timestamps: seconds from the start of the file."""

    start: float
    end: float
    text: str
    tokens: tuple[int, ...]
    avg_logprob: float
    no_speech_prob: float


@dataclasses.dataclass
class FileResult:
    """Everything decoded from one file."""

    segments: list[Segment] = dataclasses.field(default_factory=list)
    #: (word, start s, end s, probability)
    words: list[tuple[str, float, float, float]] = dataclasses.field(default_factory=list)
    language: str | None = None
    language_prob: float | None = None

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments).strip()


@dataclasses.dataclass
class _File:
    mel: MelArray | MelFile
    content_frames: int
    seek: int = 0
    tokens: list[int] = dataclasses.field(default_factory=list)
    prompt_from: int = 0
    result: FileResult = dataclasses.field(default_factory=FileResult)

    @property
    def window_frames(self) -> int:
        """Mel frames of audio in the window at ``seek`` (at most 30 s)."""
        return min(N_FRAMES, self.content_frames - self.seek)


def _encoder_frames(options: TranscribeOptions, audio_frames: Sequence[int]) -> int | None:
    """Mel frames the encoder hears of a batch's windows (None: all 30 s)."""
    if options.audio_context == "full":
        return None
    return min(N_FRAMES, -(-(max(audio_frames) + _CLIP_MARGIN) // _CLIP_STEP) * _CLIP_STEP)


def _needs_fallback(r: DecodeResult, o: TranscribeOptions) -> bool:
    if r.no_speech_prob > o.no_speech_threshold and r.avg_logprob < o.logprob_threshold:
        return False  # silence: no temperature will help
    return r.compression_ratio > o.compression_ratio_threshold or r.avg_logprob < o.logprob_threshold


def _decode_with_fallback(rt: Runtime, cross, prompts, o: TranscribeOptions,
                          languages: list[str | None]) -> list[DecodeResult]:
    """Each window decoded at the first temperature whose result passes both tests; where none
    does, the likeliest of the results that do not repeat themselves (of all, if every one
    does), as faster-whisper chooses (openai-whisper keeps the last, a sample at temperature 1,
    which is often the worst), marked with the last temperature so that the prompt resets."""
    import jax.numpy as jnp

    tried: list[list[DecodeResult]] = [[] for _ in prompts]
    results: list[DecodeResult | None] = [None] * len(prompts)
    pending = list(range(len(prompts)))
    for n, temperature in enumerate(o.temperatures):
        rows = jnp.asarray(pending)
        sub = cross.take(rows) if len(pending) != len(prompts) else cross
        options = DecodeOptions(beam=o.beam, temperature=temperature, best_of=o.best_of, language=o.language,
                                task=o.task)
        decoded = decode_windows(rt, sub, [prompts[i] for i in pending], options, seed=n,
                                 languages=[languages[i] for i in pending])
        still = []
        for i, r in zip(pending, decoded):
            tried[i].append(r)
            if _needs_fallback(r, o):
                still.append(i)
            else:
                results[i] = r
        pending = still
        if not pending:
            break
    for i in pending:  # every temperature failed
        plain = [r for r in tried[i] if r.compression_ratio <= o.compression_ratio_threshold] or tried[i]
        best = max(plain, key=lambda r: r.avg_logprob)
        results[i] = dataclasses.replace(best, temperature=o.temperatures[-1])
    return results  # type: ignore[return-value]


def _add_segments(f: _File, r: DecodeResult, rt: Runtime, segment_frames: int) -> None:
    """openai-whisper's rule: segments between consecutive timestamp tokens; seek to the last
    complete one, or past the window when it ends on a single timestamp."""
    tok = rt.tokenizer
    tokens = np.array(r.tokens, np.int64)
    offset = f.seek * HOP / SAMPLE_RATE
    is_ts = tokens >= tok.timestamp_begin
    single_ending = len(tokens) >= 2 and not is_ts[-2] and is_ts[-1]
    consecutive = np.flatnonzero(is_ts[:-1] & is_ts[1:]) + 1

    def add(start: float, end: float, part) -> None:
        text = tok.decode(part)
        if text.strip():
            f.result.segments.append(Segment(round(offset + start, 3), round(offset + end, 3), text,
                                             tuple(int(t) for t in part), r.avg_logprob, r.no_speech_prob))

    if len(consecutive):
        slices = list(consecutive) + ([len(tokens)] if single_ending else [])
        last = 0
        for cut in slices:
            part = tokens[last:cut]
            add((part[0] - tok.timestamp_begin) * TIME_PRECISION, (part[-1] - tok.timestamp_begin) * TIME_PRECISION,
                part)
            last = cut
        if single_ending:
            f.seek += segment_frames
        else:
            f.seek += int(tokens[last - 1] - tok.timestamp_begin) * _INPUT_STRIDE
    else:
        duration = segment_frames * HOP / SAMPLE_RATE
        stamps = tokens[is_ts]
        if len(stamps) and stamps[-1] != tok.timestamp_begin:
            duration = (stamps[-1] - tok.timestamp_begin) * TIME_PRECISION
        add(0.0, duration, tokens)
        f.seek += segment_frames


def _add_words(rt: Runtime, f: _File, cross, row: int, r: DecodeResult, segments, seek: int, frames: int,
               task: str) -> None:
    from .alignment import align_words

    text = [t for s in segments for t in s.tokens if t < rt.tokenizer.eot]
    if not text:
        return
    multilingual = rt.tokenizer.multilingual
    sot = rt.tokenizer.sot_sequence(language=r.language if multilingual else None,
                                    task=task if multilingual else "transcribe")
    cross_row = cross.take(slice(row, row + 1))
    f.result.words.extend(align_words(rt, cross_row, sot, text, frames, seek * HOP / SAMPLE_RATE))


def transcribe_waves(rt: Runtime, waves: Sequence[np.ndarray | MelFile],
                     options: TranscribeOptions = TranscribeOptions(), *, prompt: Sequence[int] | None = None,
                     progress: Callable[[int], None] | None = None) -> list[FileResult]:
    """Transcribe 16 kHz mono float waveforms (or the :class:`MelFile` of a recording too long
    to hold), windows of several files in each batch (windows of like length together; results
    in the order of ``waves``). A MelFile's stretches of digital silence
    are skipped without running the model. ``prompt``: tokens of text the speech follows
    (openai-whisper's initial prompt). ``progress(frames)`` is called with the mel frames each
    window consumed."""
    files = []
    for wave in waves:
        mel = wave if isinstance(wave, MelFile) else MelArray(wave, rt.config.n_mels)
        files.append(_File(mel, mel.content_frames, tokens=list(prompt or ())))
    while True:
        for f in files:
            if f.seek < f.content_frames:
                sound = min(f.mel.next_sound(f.seek), f.content_frames)
                if progress and sound > f.seek:
                    progress(sound - f.seek)
                f.seek = sound
        # windows of like length share a batch: a batch decodes until its longest text ends, so a
        # 1 s clip batched with a 30 s window would idle through the long one's tokens
        active = sorted((f for f in files if f.seek < f.content_frames), key=lambda f: f.window_frames)[: options.batch]
        if not active:
            break
        segment_frames = [f.window_frames for f in active]
        cross = rt.encode_windows([f.mel.window(f.seek) for f in active], _encoder_frames(options, segment_frames))
        prompts = [f.tokens[f.prompt_from:] if options.condition_on_previous_text else [] for f in active]
        results = _decode_with_fallback(rt, cross, prompts, options, [f.result.language for f in active])
        for i, (f, r, frames) in enumerate(zip(active, results, segment_frames)):
            before = f.seek
            if f.result.language is None and r.language is not None:
                f.result.language, f.result.language_prob = r.language, r.language_prob
            silent = r.no_speech_prob > options.no_speech_threshold and r.avg_logprob < options.logprob_threshold
            if silent:
                f.seek += frames
            else:
                start = f.seek
                n_segments = len(f.result.segments)
                _add_segments(f, r, rt, frames)
                if options.word_timestamps:
                    _add_words(rt, f, cross, i, r, f.result.segments[n_segments:], start, frames, options.task)
                if not options.condition_on_previous_text or r.temperature > 0.5:
                    f.prompt_from = len(f.tokens)
                f.tokens.extend(r.tokens)
            if f.seek <= before:  # a window that does not move would loop for ever
                f.seek = before + frames
            if progress:
                progress(min(f.seek, f.content_frames) - before)
    release_free_memory()  # the batch's buffers, kept by malloc for reuse: often more than the model
    return [f.result for f in files]
