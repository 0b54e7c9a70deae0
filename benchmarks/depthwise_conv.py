"""The Conformer's depthwise convolution: XLA's grouped convolution vs sonitus's shifted sums.

Shape of one Conformer block in training: batch 24, 160 frames, 144 channels, kernel 15.
Prints median forward and forward+gradient times of ``jax.lax.conv_general_dilated`` with
``feature_group_count=channels`` (what ``flax.linen.Conv`` runs) and of
``sonitus.plugins.asr.layers.depthwise_conv1d``, and their ratio.
Run: ``.venv/bin/python benchmarks/depthwise_conv.py``.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _cli import make_parser  # noqa: E402
from _timing import median_time, report  # noqa: E402

BATCH, FRAMES, CHANNELS, WIDTH = 24, 160, 144, 15


def main() -> None:
    make_parser(__doc__).parse_args()
    import jax
    import jax.numpy as jnp
    from sonitus.plugins.asr.layers import depthwise_conv1d

    def grouped(x, kernel):
        return jax.lax.conv_general_dilated(x, kernel[:, None, :], (1,), "SAME",
                                            dimension_numbers=("NWC", "WIO", "NWC"), feature_group_count=CHANNELS)

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((BATCH, FRAMES, CHANNELS)), jnp.float32)
    kernel = jnp.asarray(rng.standard_normal((WIDTH, CHANNELS)), jnp.float32)
    print(f"depthwise conv [{BATCH}, {FRAMES}, {CHANNELS}] x kernel {WIDTH}, {jax.devices()[0].platform}")
    for label, wrap in (("forward", lambda f: jax.jit(f)),
                        ("forward + gradient", lambda f: jax.jit(jax.grad(lambda x, k: jnp.sum(f(x, k) ** 2),
                                                                         argnums=(0, 1))))):
        rows = {}
        for name, conv in (("sonitus", depthwise_conv1d), ("grouped conv", grouped)):
            fn = wrap(conv)
            rows[name] = median_time(lambda: jax.block_until_ready(fn(x, kernel)), repeat=20, warmup=2)
        report(label, rows)


if __name__ == "__main__":
    main()
