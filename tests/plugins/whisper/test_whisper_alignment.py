"""Word alignment helpers (the end-to-end timings are tested in test_whisper_recognizer)."""

import numpy as np
import pytest
from scipy.ndimage import median_filter
from sonitus.plugins.whisper.alignment import median_along_time


@pytest.mark.parametrize("shape,width", [((4, 9, 50), 7), ((2, 3, 5), 7), ((1, 1, 1), 3), ((3, 40), 5)])
def test_median_along_time_equals_scipys_nearest_median_filter(shape, width):
    x = np.random.default_rng(sum(shape)).normal(size=shape).astype(np.float32)
    ours = median_along_time(x, width)
    assert ours.shape == x.shape
    np.testing.assert_array_equal(ours, median_filter(x, size=(1,) * (x.ndim - 1) + (width,), mode="nearest"))


def test_median_along_time_removes_a_one_frame_spike_and_keeps_a_step():
    row = np.array([0, 0, 0, 9, 0, 0, 0, 1, 1, 1, 1, 1], np.float32)
    np.testing.assert_array_equal(median_along_time(row[None], 3)[0], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
