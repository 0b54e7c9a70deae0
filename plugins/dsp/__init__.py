"""Built-in DSP plugin: preprocessing, features and Griffin-Lim as jitted JAX kernels.

Stages (see ``sonitus stages``): preprocessors ``normalize``, ``pre-emphasis``,
``highpass``, ``lowpass``, ``bandpass``, ``denoise``, ``trim``, ``vad``; feature
extractors ``spectrogram``, ``power-spectrogram``, ``logmel``, ``mfcc``, ``chroma``; the
renderer ``griffin-lim``.

The kernels are public pure functions on arrays ``[samples]`` or ``[batch, samples]``
(NumPy or JAX), imported lazily from their modules so that loading the plugin stays cheap::

    from sonitus.dsp.features import logmel, mfcc, deltas, cmvn, chroma
    from sonitus.dsp.spectral import stft, istft
    from sonitus.dsp.griffinlim import griffinlim
    from sonitus.dsp.filters import butter_sos, sosfilt, sosfiltfilt, pre_emphasis
    from sonitus.dsp.denoise import denoise
    from sonitus.dsp.levels import normalize
    from sonitus.dsp.vad import speech_segments, trim

Defaults follow librosa (n_fft 2048, hop 512, 128 Slaney mels, top_db 80, 20 MFCCs);
like librosa >= 0.10, centred frames are padded with zeros, not reflected.
"""

from __future__ import annotations

from sonitus import hookimpl

from .factories import (
    bandpass,
    chroma,
    denoise_stage,
    griffin_lim,
    highpass,
    logmel,
    lowpass,
    mfcc,
    normalize,
    power_spectrogram,
    pre_emphasis,
    spectrogram,
    trim,
    vad_stage,
)
from .stages import GriffinLimRenderer, SpectrogramStage


@hookimpl
def register_preprocessors(register):
    for name, factory in (("normalize", normalize), ("pre-emphasis", pre_emphasis), ("highpass", highpass),
                          ("lowpass", lowpass), ("bandpass", bandpass), ("denoise", denoise_stage),
                          ("trim", trim), ("vad", vad_stage)):
        register(name, factory)


@hookimpl
def register_feature_extractors(register):
    register(SpectrogramStage, factory=spectrogram)
    register("power-spectrogram", power_spectrogram)
    register("logmel", logmel)
    register("mfcc", mfcc)
    register("chroma", chroma)


@hookimpl
def register_renderers(register):
    register(GriffinLimRenderer, factory=griffin_lim)
