"""Kernels against librosa (float64 to 1e-6 relative, float32 to the issue's tolerances) and SciPy."""

import jax
import librosa
import numpy as np
import pytest
import scipy.signal
from signals import SIGNALS, SR
from sonitus.dsp.features import chroma, deltas, logmel, mfcc
from sonitus.dsp.filters import butter_sos, pre_emphasis, sosfilt, sosfiltfilt
from sonitus.dsp.spectral import istft, stft

NAMES = sorted(SIGNALS)


@pytest.fixture
def x64():
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)


def rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - b)) / max(np.max(np.abs(b)), 1e-12))


@pytest.mark.parametrize("name", NAMES)
def test_float64_kernels_match_librosa(name, x64):
    x = SIGNALS[name].astype(np.float64)
    assert rel(stft(x, n_fft=512, hop_length=128), librosa.stft(x, n_fft=512, hop_length=128)) < 1e-6
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=x, sr=SR, n_fft=512, hop_length=160, n_mels=40))
    assert rel(logmel(x, sample_rate=SR, n_fft=512, hop_length=160, n_mels=40), ref) < 1e-6
    ref = librosa.feature.mfcc(y=x, sr=SR, n_mfcc=13, n_fft=512, hop_length=160, n_mels=40)
    ours = mfcc(x, sample_rate=SR, n_mfcc=13, n_fft=512, hop_length=160, n_mels=40)
    assert np.asarray(ours).dtype == np.float64
    assert rel(ours, ref) < 1e-6
    scale = np.max(np.abs(ref))  # deltas of a constant are ~0: compare on the input's scale
    for order in (1, 2):
        diff = np.max(np.abs(np.asarray(deltas(ref, order=order)) - librosa.feature.delta(ref, order=order)))
        assert diff < 1e-6 * scale


@pytest.mark.parametrize("name", NAMES)
def test_float32_logmel_and_mfcc_within_tolerance(name):
    x = SIGNALS[name].astype(np.float32)
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=x, sr=SR))
    assert np.max(np.abs(np.asarray(logmel(x, sample_rate=SR)) - ref)) < 2e-3  # dB
    ref = librosa.feature.mfcc(y=x, sr=SR)
    assert np.max(np.abs(np.asarray(mfcc(x, sample_rate=SR)) - ref)) < 1e-3 * max(1.0, np.max(np.abs(ref))) + 1e-3


def test_htk_mels_and_reflect_padding_match_librosa(x64):
    x = SIGNALS["chirp"]
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=x, sr=SR, htk=True, n_mels=64, fmin=50, fmax=7000,
                                                             pad_mode="reflect"))
    ours = logmel(x, sample_rate=SR, htk=True, n_mels=64, fmin=50, fmax=7000, pad_mode="reflect")
    assert rel(ours, ref) < 1e-6


def test_chroma_matches_librosa_and_finds_a(x64):
    x = SIGNALS["sine"]
    ref = librosa.feature.chroma_stft(y=x, sr=SR, tuning=0.0)
    ours = np.asarray(chroma(x, sample_rate=SR))
    assert rel(ours, ref) < 1e-6
    assert np.bincount(ours.argmax(axis=0)).argmax() == 9  # A


@pytest.mark.parametrize("n_fft,hop,center", [(512, 128, True), (400, 160, True), (1024, 256, False)])
def test_istft_inverts_stft(n_fft, hop, center):
    x = SIGNALS["odd-length"].astype(np.float32)
    y = np.asarray(istft(stft(x, n_fft=n_fft, hop_length=hop, center=center), hop_length=hop, n_fft=n_fft,
                         center=center, length=len(x)))
    inner = slice(n_fft, len(x) - n_fft)  # without center, the edges lack full overlap
    assert np.max(np.abs(y[inner] - x[inner])) < 1e-5


@pytest.mark.parametrize("order,cutoff,btype", [(2, 1000, "lowpass"), (5, 300, "highpass"),
                                                (4, (300, 3400), "bandpass"), (7, 2000, "lowpass"),
                                                (3, (1000, 2000), "bandstop")])
def test_filters_match_scipy(order, cutoff, btype):
    x = np.stack([SIGNALS["white"], SIGNALS["chirp"]]).astype(np.float64)
    sos = butter_sos(order, cutoff, btype, SR)
    np.testing.assert_allclose(sos, scipy.signal.butter(order, cutoff, btype, fs=SR, output="sos"))
    assert np.max(np.abs(np.asarray(sosfilt(sos, x.astype(np.float32))) - scipy.signal.sosfilt(sos, x))) < 1e-5
    assert np.max(np.abs(np.asarray(sosfiltfilt(sos, x.astype(np.float32))) - scipy.signal.sosfiltfilt(sos, x))) < 1e-5


def test_pre_emphasis_matches_librosa_after_the_first_sample():
    x = SIGNALS["white"].astype(np.float32)
    ours = np.asarray(pre_emphasis(x, 0.97))
    assert np.max(np.abs(ours[1:] - librosa.effects.preemphasis(x, coef=0.97)[1:])) < 1e-6
    assert ours[0] == pytest.approx(x[0] - 0.97 * (2 * x[0] - x[1]), rel=1e-5)
