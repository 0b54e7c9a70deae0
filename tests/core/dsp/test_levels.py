import numpy as np
import pytest
from sonitus.dsp import normalize
from sonitus.errors import ParameterError


def test_peak_and_rms_land_on_the_target_and_silence_stays_silent():
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal((2, 4000))).astype(np.float32)
    peak = np.asarray(normalize(x, mode="peak", target_db=-6.0))
    assert np.allclose(np.abs(peak).max(axis=-1), 10 ** (-6 / 20), rtol=1e-5)
    rms = np.asarray(normalize(x, mode="rms", target_db=-20.0))
    assert np.allclose(np.sqrt(np.mean(rms ** 2, axis=-1)), 10 ** (-20 / 20), rtol=1e-4)
    assert not np.asarray(normalize(np.zeros(100, np.float32))).any()
    with pytest.raises(ParameterError, match="peak' or 'rms"):
        normalize(x, mode="loud")
