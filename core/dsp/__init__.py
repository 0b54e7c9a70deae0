"""sonitus.dsp: the DSP kernels as public, jitted JAX functions on arrays.

Inputs are ``[samples]`` or ``[batch, samples]`` (NumPy or JAX), with ``lengths=`` to mask
padded batches; defaults follow librosa (n_fft 2048, hop 512, 128 Slaney mels, top_db 80,
20 MFCCs). Each kernel compiles on first call (``sonitus.jit.lazy_jit``), so importing this
package does not import JAX. The ``dsp`` plugin registers stages over these kernels; any
plugin may call them directly::

    from sonitus.dsp import logmel, mfcc, stft, griffinlim
    M = logmel(batch, sample_rate=16000, lengths=lengths, n_fft=512, hop_length=160, n_mels=80)

Modules: :mod:`~sonitus.dsp.spectral` (windows, frames, STFT), :mod:`~sonitus.dsp.mel`
(mel scale, filterbanks, DCT), :mod:`~sonitus.dsp.features` (spectrograms, log-mel, MFCC,
deltas, CMVN, chroma), :mod:`~sonitus.dsp.filters` (Butterworth SOS, pre-emphasis),
:mod:`~sonitus.dsp.denoise`, :mod:`~sonitus.dsp.vad` (speech segments, trim), :mod:`~sonitus.dsp.levels` (normalise),
:mod:`~sonitus.dsp.griffinlim`.
"""

from __future__ import annotations

from .denoise import denoise
from .features import (
           chroma,
           cmvn,
           deltas,
           frame_lengths,
           frame_mask,
           logmel,
           melspectrogram,
           mfcc,
           power_spectrogram,
           power_to_db,
)
from .filters import butter_sos, pre_emphasis, sosfilt, sosfiltfilt
from .griffinlim import griffinlim, spectral_convergence
from .levels import normalize
from .mel import dct_matrix, hz_to_mel, mel_filterbank, mel_frequencies, mel_to_hz
from .spectral import frame, get_window, istft, num_frames, stft
from .vad import frame_db, speech_segments, trim

__all__ = ["denoise", "cmvn", "chroma", "deltas", "frame_lengths", "frame_mask", "logmel", "melspectrogram", "mfcc",
           "power_spectrogram", "power_to_db", "butter_sos", "pre_emphasis", "sosfilt", "sosfiltfilt", "griffinlim",
           "spectral_convergence", "dct_matrix", "hz_to_mel", "mel_filterbank", "mel_frequencies", "mel_to_hz",
           "frame", "get_window", "istft", "num_frames", "stft", "frame_db", "normalize", "speech_segments", "trim"]
