"""Whisper's log-mel front-end on :mod:`sonitus.dsp` kernels.

The published definition: 16 kHz audio, a centred, reflect-padded STFT (n_fft 400, hop 160,
periodic Hann), power, Slaney mel filters, ``log10`` floored at 1e-10, the last frame
dropped, values clamped to (max - 8), then ``(x + 4) / 4``. The max is taken over the whole
signal given, as openai-whisper and faster-whisper do for a file padded with 30 s of zeros.

A 30 s window that reaches past the end of the audio holds the audio's frames and then zeros
of the normalised log-mel, as both reference runtimes' ``transcribe`` do (openai-whisper cuts
the segment at the content frames before ``pad_or_trim``; faster-whisper never computes the
padding). The frames of the 30 s of zero audio are not the same thing: they sit at the clamp
floor, about -1 after normalising, and the model hears them as a different silence.
"""

from __future__ import annotations

import numpy as np
from sonitus.errors import ParameterError
from sonitus.jit import lazy_jit

__all__ = ["SAMPLE_RATE", "HOP", "N_FFT", "CHUNK_SECONDS", "N_SAMPLES", "N_FRAMES", "AUDIO_CONTEXTS",
           "check_audio_context", "log_mel", "pad_or_trim", "first_window"]

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
CHUNK_SECONDS = 30
N_SAMPLES = CHUNK_SECONDS * SAMPLE_RATE
#: mel frames in one 30 s window
N_FRAMES = N_SAMPLES // HOP
#: what the encoder hears of a window: all 30 s, or the audio + 1 s (``TranscribeOptions.audio_context``)
AUDIO_CONTEXTS = ("full", "clip")


def check_audio_context(value: str) -> str:
    """``value`` if it is one of :data:`AUDIO_CONTEXTS`, else a ParameterError that says which are."""
    if value not in AUDIO_CONTEXTS:
        raise ParameterError(f"whisper: audio_context is 'full' or 'clip', not {value!r}.")
    return value


@lazy_jit(static_argnames=("n_mels",))
def _log_mel(x, n_mels):
    import jax.numpy as jnp
    from sonitus.dsp import melspectrogram

    M = melspectrogram(x, sample_rate=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP, pad_mode="reflect", n_mels=n_mels)
    log_spec = jnp.log10(jnp.maximum(M[..., :-1], 1e-10))
    log_spec = jnp.maximum(log_spec, jnp.max(log_spec, axis=(-2, -1), keepdims=True) - 8.0)
    return (log_spec + 4.0) / 4.0


def log_mel(audio, *, n_mels: int = 80, padding: int = 0) -> np.ndarray:
    """Whisper log-mel ``[..., n_mels, samples // 160]`` of 16 kHz float audio ``[..., samples]``,
    after ``padding`` zero samples are appended (openai-whisper pads by 30 s)."""
    x = np.asarray(audio, np.float32)
    if padding:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, padding)])
    return np.asarray(_log_mel(x, n_mels))


def pad_or_trim(mel: np.ndarray, frames: int = N_FRAMES) -> np.ndarray:
    """``mel`` cut or zero-padded on its last axis to ``frames``."""
    if mel.shape[-1] >= frames:
        return mel[..., :frames]
    return np.pad(mel, [(0, 0)] * (mel.ndim - 1) + [(0, frames - mel.shape[-1])])


def first_window(wave, *, n_mels: int = 80) -> np.ndarray:
    """The ``[n_mels, 3000]`` window the encoder hears for the first 30 s of 16 kHz ``wave``:
    its frames, then zeros (see the module's note)."""
    wave = np.asarray(wave, np.float32)[:N_SAMPLES]
    mel = log_mel(wave, n_mels=n_mels, padding=N_SAMPLES)
    return pad_or_trim(mel[:, :len(wave) // HOP])
