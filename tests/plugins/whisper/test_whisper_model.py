"""The encoder's attention computed in blocks of queries equals the whole computation."""

import numpy as np
import pytest
from sonitus.plugins.whisper.model import _attend, _attend_blocked, _query_block


@pytest.mark.parametrize("length", [1500, 96, 257])
def test_blocked_attention_equals_the_whole_map(length):
    rng = np.random.default_rng(length)
    q, k, v = (rng.standard_normal((2, 3, length, 16)).astype(np.float32) * 2 for _ in range(3))
    whole = np.asarray(_attend(q, k, v)[0])
    blocked = np.asarray(_attend_blocked(q, k, v))
    np.testing.assert_allclose(blocked, whole, rtol=1e-4, atol=1e-5 * np.abs(whole).max())


def test_query_block_divides_the_length():
    assert _query_block(1500) == 250
    assert _query_block(96) == 96
    assert _query_block(257) == 1  # a prime: attended whole
    assert all(n % _query_block(n) == 0 and _query_block(n) <= 256 for n in range(1, 3001, 7))
