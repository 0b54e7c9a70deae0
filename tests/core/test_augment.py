import numpy as np
import pytest
from sonitus.augment import add_noise, coloured, pad_silence, reverberate, room_response, speed


def test_coloured_noise_falls_as_one_over_f_to_the_exponent():
    rng = np.random.default_rng(0)
    for exponent in (0.0, 1.0, 2.0):
        noise = coloured(rng.standard_normal(1 << 16), exponent)
        power = np.abs(np.fft.rfft(noise)) ** 2
        f = np.arange(len(power))
        band = (f > 100) & (f < 10000)
        slope = np.polyfit(np.log(f[band]), np.log(power[band]), 1)[0]
        assert slope == pytest.approx(-exponent, abs=0.1) and np.std(noise) == pytest.approx(1.0, rel=1e-6)


def test_noise_is_added_at_the_asked_snr():
    rng = np.random.default_rng(1)
    x = np.sin(np.arange(16000) * 0.05).astype(np.float32)
    noise = coloured(rng.standard_normal(x.size), 1.0)
    for snr in (3.0, 20.0):
        added = add_noise(x, noise, snr) - x
        assert 10 * np.log10(np.mean(x ** 2) / np.mean(added ** 2)) == pytest.approx(snr, rel=1e-3)


def test_silence_speed_and_room_change_what_they_should():
    x = np.ones(1000, np.float32)
    padded = pad_silence(x, 200, 300)
    assert padded.shape == (1500,) and padded[:200].sum() == 0 and padded[-300:].sum() == 0
    tone = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32)
    assert len(speed(tone, 1.1, 16000)) == pytest.approx(16000 / 1.1, rel=0.01)
    rir = room_response(np.random.default_rng(2), 16000)
    assert np.sum(rir ** 2) == pytest.approx(1.0, rel=1e-9) and 0.15 * 16000 <= len(rir) <= 0.6 * 16000
    wet = reverberate(tone, rir)
    assert wet.shape == tone.shape and not np.allclose(wet, tone * rir[0], rtol=0.01)
