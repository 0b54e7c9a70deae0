"""How to test a sonitus plugin: build a registry from your plugin alone."""

import numpy as np
import pytest
import sonitus_plugin_example as plugin
from sonitus.errors import ParameterError
from sonitus.testing import make_registry, sine


@pytest.fixture
def registry():
    return make_registry(("example", plugin))


def test_stages_are_registered(registry):
    assert {"example-fade", "example-zcr"} <= set(registry.names())
    assert registry.spec("example-zcr").signature == "Audio -> Features"


def test_fade_silences_the_ends(registry):
    audio = sine(440, seconds=1.0)
    faded = registry.stage("example-fade", seconds=0.1)(audio)
    assert faded.samples[0, 0] == 0.0 and faded.samples[0, -1] == 0.0
    np.testing.assert_array_equal(faded.samples[0, 2000:14000], audio.samples[0, 2000:14000])


def test_zcr_of_a_sine_is_twice_its_frequency(registry):
    features = registry.stage("example-zcr")(sine(1000, seconds=1.0))
    # A 1 kHz sine crosses zero 2000 times a second: 2000 / 16000 per sample.
    assert features.kind == "zcr"
    assert np.allclose(features.data[:, 0], 2000 / 16000, atol=0.01)


def test_bad_option_is_a_clear_error(registry):
    with pytest.raises(ParameterError, match="seconds must be"):
        registry.stage("example-fade", seconds=-1)
