"""Denoising, Griffin-Lim, batching, gradients, VAD and the registered stages."""

import jax
import jax.numpy as jnp
import librosa
import numpy as np
import pytest
from signals import SR, speech_like
from sonitus import Audio, Features, Spectrogram
from sonitus.dsl import stage
from sonitus.dsp.denoise import denoise
from sonitus.dsp.features import logmel, mfcc
from sonitus.dsp.griffinlim import griffinlim, spectral_convergence
from sonitus.dsp.vad import speech_segments
from sonitus.errors import ParameterError


def snr_db(clean, estimate):
    return 10 * np.log10(np.sum(clean ** 2) / np.sum((estimate - clean) ** 2))


def noisy(clean, snr, seed=1):
    noise = np.random.default_rng(seed).standard_normal(clean.size).astype(np.float32)
    noise *= np.sqrt(np.sum(clean ** 2) / np.sum(noise ** 2) / 10 ** (snr / 10))
    return clean + noise, noise


@pytest.mark.parametrize("snr_in", [0, 10])
@pytest.mark.parametrize("mode", ["quiet-frames", "noise-clip", "non-stationary"])
def test_denoise_gains_at_least_6_db(snr_in, mode):
    clean = speech_like()
    mixture, noise = noisy(clean, snr_in)
    options = {"quiet-frames": {}, "noise-clip": {"noise": noise[:8000]},
               "non-stationary": {"stationary": False}}[mode]
    out = np.asarray(denoise(mixture, sample_rate=SR, **options))
    assert out.shape == clean.shape
    assert snr_db(clean, out) - snr_db(clean, mixture) >= 6.0


def test_griffinlim_follows_librosa_step_for_step():
    jax.config.update("jax_enable_x64", True)
    try:
        x = speech_like(seconds=1.0).astype(np.float64)
        S = np.abs(librosa.stft(x, n_fft=512))
        ours = np.asarray(griffinlim(S, n_iter=16, init=None, length=x.size))
        ref = librosa.griffinlim(S, n_iter=16, init=None, length=x.size)
        assert np.max(np.abs(ours - ref)) < 1e-6
    finally:
        jax.config.update("jax_enable_x64", False)


@pytest.mark.parametrize("hop, length, n_iter", [(128, None, 8), (128, 16000, 11), (128, 16100, 3),
                                                  (160, None, 8), (160, 16050, 3), (384, 16000, 2)])
def test_griffinlim_frames_major_path_equals_the_general_one(hop, length, n_iter):
    """The fast path (frames cut into pieces of gcd(n_fft, hop) samples: 4 pieces at hop 128,
    16 at 160, 4 of 128 at 384; unrolled chunks of 8 iterations, so 11 is a chunk of 8 and one
    of 3) and the gather/scatter one give the same signal."""
    import jax.numpy as jnp
    from sonitus.dsp.griffinlim import _frames_major_applies, _griffinlim, _griffinlim_frames

    x = np.stack([speech_like(seconds=1.0, seed=0), speech_like(seconds=1.0, seed=1)])
    S = jnp.asarray(np.abs(librosa.stft(x, n_fft=512, hop_length=hop)), jnp.float32)
    assert _frames_major_applies(512, hop, S.shape[-1], True, length)
    angles = jnp.exp(2j * jnp.pi * jnp.linspace(0, 1, S.size).reshape(S.shape)).astype(jnp.complex64)
    fast = _griffinlim_frames(S, angles, jnp.float32(0.99), n_iter, 512, hop, 512, "hann", length)
    general = _griffinlim(S, angles, jnp.float32(0.99), n_iter, 512, hop, 512, "hann", True, length)
    assert fast.shape == general.shape
    # Edge samples where hop 384 barely overlap-adds reach thousands: two float32 roundings differ
    # there by ~1e-3 absolute, so the tolerance is relative, with a floor near zero.
    np.testing.assert_allclose(np.asarray(fast), np.asarray(general), rtol=2e-5, atol=2e-4)
    assert not _frames_major_applies(512, 100, S.shape[-1], True, None)  # 128 pieces of 4 samples
    assert not _frames_major_applies(512, 600, S.shape[-1], True, None)  # a hop longer than a frame


def test_griffinlim_float32_converges_like_librosa():
    x = speech_like(seconds=2.0)
    S = np.abs(librosa.stft(x, n_fft=1024))
    ours = spectral_convergence(S, griffinlim(S, n_iter=32, init=None, length=x.size))
    ref = spectral_convergence(S, librosa.griffinlim(S, n_iter=32, init=None, length=x.size))
    assert abs(ours - ref) / ref < 0.02
    assert ours < 0.5


def test_a_padded_batch_equals_items_one_by_one():
    a, b = speech_like(2.0, seed=0), speech_like(1.3, seed=1)
    batch = np.zeros((2, a.size), np.float32)
    batch[0], batch[1, :b.size] = a, b
    out = np.asarray(mfcc(batch, sample_rate=SR, lengths=[a.size, b.size], n_mfcc=13))
    single = np.asarray(mfcc(b, sample_rate=SR, n_mfcc=13))
    np.testing.assert_allclose(out[1, :, :single.shape[1]], single, rtol=1e-4, atol=2e-3)
    assert np.all(out[1, :, single.shape[1]:] == 0)


def test_logmel_is_differentiable():
    x = jnp.asarray(speech_like(0.5))
    grad = jax.grad(lambda s: logmel(s, sample_rate=SR, n_fft=512, hop_length=160, n_mels=40, top_db=None).mean())(x)
    assert grad.shape == x.shape and bool(jnp.all(jnp.isfinite(grad))) and float(jnp.abs(grad).max()) > 0


def test_speech_segments_find_the_bursts():
    x = np.zeros(3 * SR, np.float32)
    x[SR // 2:SR] = 0.5 * np.sin(2 * np.pi * 200 * np.arange(SR // 2) / SR)
    x[2 * SR:int(2.5 * SR)] = 0.5 * np.sin(2 * np.pi * 300 * np.arange(SR // 2) / SR)
    spans = speech_segments(x, sample_rate=SR, pad_ms=0)
    assert len(spans) == 2
    assert spans[0][0] == pytest.approx(0.5, abs=0.03) and spans[0][1] == pytest.approx(1.0, abs=0.03)
    assert spans[1][0] == pytest.approx(2.0, abs=0.03) and spans[1][1] == pytest.approx(2.5, abs=0.03)


def test_preprocessing_stages_end_to_end():
    clean = speech_like(2.0)
    padded = np.concatenate([np.zeros(SR // 2, np.float32), clean, np.zeros(SR // 2, np.float32)])
    audio = Audio(np.stack([padded, padded]), SR)
    pipeline = (stage("to-mono") >> stage("highpass", cutoff=60, order=4) >> stage("pre-emphasis")
                >> stage("trim", top_db=40, pad_ms=0) >> stage("normalize", mode="peak", target_db=-3))
    out = pipeline.run(audio)
    assert out.channels == 1 and out.duration < 2.2
    assert out.peak_dbfs() == pytest.approx(-3.0, abs=1e-3)
    rms = stage("normalize", mode="rms", target_db=-20).run(out)
    assert rms.rms_dbfs() == pytest.approx(-20.0, abs=1e-3)
    assert stage("vad").run(audio).duration < audio.duration


def test_feature_stages_and_batch_map():
    clips = [Audio(speech_like(s), SR) for s in (0.5, 1.0, 1.7)]
    logmel_stage = stage("logmel", n_mels=40, n_fft=512, hop_length=160)
    one = logmel_stage.run(clips[2])
    assert isinstance(one, Features) and one.kind == "logmel" and one.dims == 40
    assert one.frame_rate == 100 and one.frames == 1 + clips[2].frames // 160
    many = logmel_stage.map(clips)
    np.testing.assert_allclose(many[2].data, one.data, rtol=1e-4, atol=2e-3)
    features = stage("mfcc", n_mfcc=13, deltas=2, cmvn=True).run(clips[1])
    assert features.dims == 39
    np.testing.assert_allclose(features.data.mean(axis=0), 0, atol=1e-4)


def test_spectrogram_to_griffinlim_renders_audio():
    audio = Audio(speech_like(1.0), SR)
    spec = stage("spectrogram", n_fft=512, hop_length=128).run(audio)
    assert isinstance(spec, Spectrogram) and spec.n_fft == 512
    out = (stage("spectrogram", n_fft=512, hop_length=128) >> stage("griffin-lim", n_iter=16)).run(audio)
    assert isinstance(out, Audio) and abs(out.frames - audio.frames) <= 128


def test_bad_options_are_clear_errors():
    with pytest.raises(ParameterError, match="Nyquist"):
        stage("lowpass", cutoff=9000).run(Audio(speech_like(0.2), SR))
    with pytest.raises(ParameterError, match="deltas must be"):
        stage("mfcc", deltas=3)
    with pytest.raises(ParameterError, match="mode must be"):
        stage("normalize", mode="loud")


@pytest.mark.parametrize("pre, feature", [("pre-emphasis", "logmel"), ("highpass", "mfcc")])
def test_fused_preprocessing_gives_what_the_stages_give_one_by_one(pre, feature):
    from sonitus import Audio
    from sonitus.dsl import stage
    from sonitus.pipeline import Pipeline

    clips = [Audio(speech_like(seconds=s, seed=i)[None].repeat(2, 0) * [[1.0], [0.5]], SR)
             for i, s in enumerate((0.7, 1.3, 2.0))]
    options = {"n_fft": 512, "hop_length": 160, "n_mels": 40} | ({"n_mfcc": 13, "deltas": 2} if feature == "mfcc" else {})
    fused = stage(pre) >> stage(feature, **options)
    separate = Pipeline([stage(pre), stage(feature, **options)], fuse=False)
    assert [s.name for s in fused.plan] == [f"{pre}+{feature}"] and len(separate.plan) == 2
    for a, b in zip(fused.map(clips), separate.map(clips)):
        assert a.data.shape == b.data.shape
        np.testing.assert_allclose(a.data, b.data, rtol=1e-4, atol=2e-2 if feature == "logmel" else 2e-3)


def test_stages_that_read_ahead_are_not_fused():
    from sonitus.dsl import stage

    assert len((stage("highpass", zero_phase=True) >> stage("logmel")).plan) == 2
    assert len((stage("denoise") >> stage("logmel")).plan) == 2
    assert [s.name for s in (stage("pre-emphasis") >> stage("lowpass") >> stage("logmel")).plan] == [
        "pre-emphasis+lowpass+logmel"]
