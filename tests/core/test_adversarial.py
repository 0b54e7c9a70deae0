import numpy as np
import pytest
from sonitus.adversarial import gradient_penalty


@pytest.mark.parametrize("norm", [1.0, 3.0, 0.25])
def test_the_penalty_is_the_squared_distance_of_the_gradient_norm_from_one(norm):
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 5)).astype(np.float32)
    w *= norm / np.linalg.norm(w)
    real = jnp.asarray(rng.standard_normal((6, 4, 5)), jnp.float32)
    fake = jnp.asarray(rng.standard_normal((6, 4, 5)), jnp.float32)

    def linear(x):  # each item's score w.x: its gradient is w wherever it is taken
        return jnp.sum(x * w, axis=(1, 2))

    penalty = float(gradient_penalty(linear, real, fake, jax.random.PRNGKey(0)))
    assert penalty == pytest.approx((norm - 1) ** 2, rel=1e-4, abs=1e-6)
