"""PersistentJit: a program traced once is kept on disk; a new process loads it untraced."""

import numpy as np
import pytest
from sonitus.plugins.whisper.traced import PersistentJit


def _function(traces):
    def run(params, x, *, scale):
        traces.append(x.shape)  # runs only while JAX traces
        return params["w"] @ x * scale

    return run


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SONITUS_CACHE_DIR", str(tmp_path))
    return tmp_path / "whisper-traced"


def test_a_second_process_loads_the_program_without_tracing(cache):
    import jax

    params = {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}
    x = np.ones((3, 4), np.float32)
    traces = []
    first = PersistentJit(_function(traces), name="t", context="c", static_argnames=("scale",))
    out = np.asarray(first(params, x, scale=2.0))
    np.testing.assert_allclose(out, np.asarray(jax.jit(_function([]), static_argnames="scale")(params, x, scale=2.0)))
    assert len(traces) == 1 and len(list(cache.glob("t-*.jaxexport"))) == 1

    again = []  # a new object has no programs in memory, as a new process
    second = PersistentJit(_function(again), name="t", context="c", static_argnames=("scale",))
    np.testing.assert_array_equal(np.asarray(second(params, x, scale=2.0)), out)
    assert again == []

    second(params, np.ones((3, 5), np.float32), scale=2.0)  # a new shape is traced and kept
    second(params, x, scale=3.0)  # so is a new static option
    assert len(again) == 2 and len(list(cache.glob("t-*.jaxexport"))) == 3


def test_another_context_or_a_torn_file_is_traced_afresh(cache):
    params = {"w": np.eye(3, dtype=np.float32)}
    x = np.ones((3, 2), np.float32)
    traces = []
    PersistentJit(_function(traces), name="t", context="a", static_argnames=("scale",))(params, x, scale=1.0)
    PersistentJit(_function(traces), name="t", context="b", static_argnames=("scale",))(params, x, scale=1.0)
    assert len(traces) == 2
    wider = {"w": np.eye(3, dtype=np.float32), "lora": np.zeros(2, np.float32)}  # other weights: its own program
    PersistentJit(_function(traces), name="t", context="a", static_argnames=("scale",))(wider, x, scale=1.0)
    assert len(traces) == 3 and len(list(cache.glob("t-*.jaxexport"))) == 3
    for path in cache.glob("t-*.jaxexport"):
        path.write_bytes(path.read_bytes()[:50])
    out = PersistentJit(_function(traces), name="t", context="a", static_argnames=("scale",))(params, x, scale=1.0)
    np.testing.assert_array_equal(np.asarray(out), x)
    assert len(traces) == 4


def test_the_folder_keeps_the_most_recently_used_programs(cache, monkeypatch):
    from sonitus.plugins.whisper import traced

    monkeypatch.setattr(traced, "MAX_FILES", 2)
    params = {"w": np.eye(2, dtype=np.float32)}
    run = PersistentJit(_function([]), name="t", context="c", static_argnames=("scale",))
    for width in (1, 2, 3):
        run(params, np.ones((2, width), np.float32), scale=1.0)
    assert len(list(cache.glob("t-*.jaxexport"))) == 2
