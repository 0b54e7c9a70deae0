"""The fast depthwise convolution equals XLA's grouped convolution, values and gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sonitus.plugins.asr.layers import DepthwiseConv1D, depthwise_conv1d


def _reference(x, kernel):
    return jax.lax.conv_general_dilated(x, kernel[:, None, :], (1,), "SAME", dimension_numbers=("NWC", "WIO", "NWC"),
                                        feature_group_count=x.shape[-1])


@pytest.mark.parametrize("width", [1, 4, 5, 15])
def test_values_and_gradients_match_grouped_conv(width):
    rng = np.random.default_rng(width)
    x = jnp.asarray(rng.standard_normal((2, 23, 6)), jnp.float32)
    kernel = jnp.asarray(rng.standard_normal((width, 6)), jnp.float32)
    np.testing.assert_allclose(depthwise_conv1d(x, kernel), _reference(x, kernel), rtol=1e-5, atol=1e-5)
    weight = jnp.asarray(rng.standard_normal((2, 23, 6)), jnp.float32)

    def loss(conv):
        return lambda x, k: jnp.sum(jnp.sin(conv(x, k)) * weight)

    ours = jax.grad(loss(depthwise_conv1d), argnums=(0, 1))(x, kernel)
    ref = jax.grad(loss(_reference), argnums=(0, 1))(x, kernel)
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_module_parameters_and_shape():
    module = DepthwiseConv1D(15)
    x = jnp.ones((3, 40, 8))
    params = module.init(jax.random.PRNGKey(0), x)
    assert params["params"]["kernel"].shape == (15, 8) and params["params"]["bias"].shape == (8,)
    assert module.apply(params, x).shape == (3, 40, 8)
    assert 0.15 < float(jnp.std(params["params"]["kernel"])) < 0.4  # LeCun normal over 15 taps
